/**
 * McpHttpHost behind middleware that handled the request's stream before the host got it.
 * - One that read the stream and left no body (no `req.body`, none passed to handle): the host
 *   waited for the stream's 'end', which had fired; no deadline was armed (the body had arrived),
 *   so the request hung and `close()` with it. Now 500 -32603 "Internal error", the why logged:
 *   the body is gone, which is the embedding's setup, not the client's doing.
 * - Express 4's body-parser (1.x) sets `req.body = {}` on every request whose type it does not
 *   parse, stream untouched: behind only `express.urlencoded()`, a JSON POST reached the host as
 *   `{}` and was refused (-32600; -32700 by the SDK before), a valid initialize included. A
 *   `req.body` is now taken only once the stream was read; else the host reads the body itself.
 * - One that paused the stream (`req.pause()`) and left it unread: the host's 'data' listener does
 *   not restart a stream paused on purpose, so the body stayed unread; all of it had arrived, so
 *   neither the body's deadline nor close() cut it off, and the request hung. The host resumes it.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import { initializeBody, raw, within } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** How long an answer may take before the request counts as hanging (a timer: a hang sends no event). */
const HANG_MS = 3_000;

function newHost() {
  const logged: unknown[][] = [];
  const host = new McpHttpHost({
    createServer: () => {
      const server = new McpServer({ name: 'middleware', version: '1' });
      server.registerTool('ping', {}, () => ({ content: [{ type: 'text', text: 'pong' }] }));
      return server;
    },
    logger: { error: (...args: unknown[]) => void logged.push(args) },
  });
  return { host, logged };
}

/** A `node:http` server whose handler `serve`s each request with the host. */
async function embedded(serve: (host: McpHttpHost, req: IncomingMessage, res: ServerResponse) => void) {
  const { host, logged } = newHost();
  const http = createServer((req, res) => serve(host, req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  return { host, logged, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp` };
}

describe('McpHttpHost: a body a middleware read and did not hand over', () => {
  it('is answered 500 -32603 at once, the why logged, and close() does not wait for it', async () => {
    // Reads the stream to its end and drops it (a signature check, a logger, a raw-body reader).
    const { host, logged, url } = await embedded((host, req, res) => {
      req.resume();
      req.once('end', () => void host.handle(req, res));
    });
    const answer = await within(raw(url, 'POST', initializeBody), HANG_MS);
    expect(answer).not.toBe('still open');
    if (answer === 'still open') return void (await within(host.close(), HANG_MS));
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.text)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } });
    expect(logged).toHaveLength(1);
    expect(String(logged[0]?.[1])).toMatch(/the body of this POST was read before the host got it, and none was handed over/);
    expect(await within(host.close(), HANG_MS)).toBeUndefined();
  });

  it('(guard) a body handed to handle() is served though the stream was read', async () => {
    const { host, url } = await embedded((host, req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      req.once('end', () => void host.handle(req, res, JSON.parse(text)));
    });
    cleanups.push(() => host.close());
    const answer = await raw(url, 'POST', initializeBody);
    expect(answer.status).toBe(200);
    expect(host.sessionCount).toBe(1);
  });
});

describe('McpHttpHost: a stream a middleware paused', () => {
  it('is read and served (the initialize answered, not held)', async () => {
    const { host, url } = await embedded((host, req, res) => {
      req.pause();
      void host.handle(req, res);
    });
    const answer = await within(raw(url, 'POST', initializeBody), HANG_MS);
    expect(answer).not.toBe('still open');
    if (answer === 'still open') return;
    expect(answer.status).toBe(200);
    expect(host.sessionCount).toBe(1);
    expect(await within(host.close(), HANG_MS)).toBeUndefined();
  });
});

describe('McpHttpHost: a req.body set on a request whose stream nobody read', () => {
  it('behind express.urlencoded() as Express 4 ran it (req.body = {} on a JSON POST): the host reads the body and serves', async () => {
    const { host } = newHost();
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    // Express 4's body-parser 1.x (`req.body = req.body || {}` before it checks the type); Express 5's leaves it undefined.
    app.use((req: Request, _res: Response, next: NextFunction) => {
      req.body ??= {};
      next();
    });
    app.all('/mcp', (req, res) => void host.handle(req, res));
    const http = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    cleanups.push(async () => {
      await host.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    });
    const client = new Client({ name: 'urlencoded-client', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`)));
    cleanups.push(() => client.close());
    await expect(client.callTool({ name: 'ping', arguments: {} })).resolves.toMatchObject({ content: [{ type: 'text', text: 'pong' }] });
    expect(host.sessionCount).toBe(1);
  });
});
