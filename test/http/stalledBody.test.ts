/**
 * McpHttpHost with a request whose body stalls mid-way outside shutdown. An initialize (every POST
 * when stateless) had its server made before its body was read, so a client that sent headers and
 * half a body held that server, its transport and the socket until Node's request timeout: 300 s
 * on a listen()ed host, for ever behind an embedding server that sets none. `requestBodyTimeoutMs`
 * (default 30 s) bounds the body's arrival: the request is answered 408 with a JSON-RPC error and
 * cut off; and the host now reads the body before it makes a server, so none is made for it.
 * Streams that follow a complete body (a POST's SSE answer, the GET stream) are never cut.
 */
import { createServer } from 'node:http';
import { connect as connectTcp } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { McpHttpHost } from '../../src/http/index.js';
import type { McpHttpHostOptions } from '../../src/http/index.js';
import { countingCloses } from '../support/counting.js';
import { eventually, testTaskSupport } from '../support/harness.js';
import { initializeBody, raw, stalledPost as stalledPostOn, streamUntilAnswered, within } from './rawHttp.js';
import type { StalledRequest } from './rawHttp.js';

/** Short, so the suite runs in seconds; the default is 30 s. */
const BODY_MS = 300;
/** How long past BODY_MS a cut-off may take (timers on a shared CI machine). */
const SLACK_MS = 2_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newHost(options: Partial<McpHttpHostOptions> = {}) {
  const tasks = testTaskSupport();
  const servers = { created: 0, closed: 0 };
  const made: McpServer[] = [];
  const host = new McpHttpHost({
    createServer: () => {
      servers.created += 1;
      const server = new McpServer({ name: 'stalled-body', version: '1' });
      tasks.registerTool(server, 'wait', { taskSupport: 'optional', inputSchema: { ms: z.number() } }, async ({ ms }) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return { content: [{ type: 'text', text: `waited ${ms}` }] };
      });
      made.push(server);
      return countingCloses(server, servers);
    },
    requestBodyTimeoutMs: BODY_MS,
    ...options,
  });
  cleanups.push(() => tasks.close());
  return { host, servers, made };
}

async function listening(options: Partial<McpHttpHostOptions> = {}) {
  const made = newHost(options);
  const { url } = await made.host.listen({ port: 0 });
  cleanups.push(() => made.host.close());
  return { ...made, url };
}

/** Behind a `node:http` server of the test's own with no request timeout (Node's `requestTimeout: 0`). */
async function embedded(options: Partial<McpHttpHostOptions> = {}) {
  const made = newHost(options);
  const http = createServer({ requestTimeout: 0 }, (req, res) => void made.host.handle(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await made.host.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  return { ...made, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp` };
}

/** Expects `stalled` answered 408 with a JSON-RPC error and closed within BODY_MS + SLACK_MS. */
async function expectCutOff(stalled: StalledRequest): Promise<number> {
  const answer = await within(stalled.closed, BODY_MS + SLACK_MS);
  const took = Date.now() - stalled.sentAt;
  expect(answer, `after ${took} ms`).not.toBe('still open');
  expect((answer as string).split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  const body = JSON.parse((answer as string).split('\r\n\r\n')[1] ?? '') as unknown;
  expect(body).toEqual({
    jsonrpc: '2.0',
    id: null,
    error: { code: -32000, message: `Request Timeout: the request body did not arrive within ${BODY_MS} ms` },
  });
  // Not before the bound either: the body had BODY_MS to arrive.
  expect(took).toBeGreaterThanOrEqual(BODY_MS - 20);
  return took;
}

/** {@link stalledPostOn}, its socket destroyed after the test. */
function stalledPost(url: string, body?: string, headers?: Record<string, string>): StalledRequest {
  const stalled = stalledPostOn(url, body, headers);
  cleanups.push(async () => void stalled.socket.destroy());
  return stalled;
}

async function connectClient(url: string) {
  const client = new Client({ name: 'stalled-body-client', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, transport };
}

describe('McpHttpHost: an initialize whose body stalls mid-way', () => {
  it('is answered 408 and cut off after requestBodyTimeoutMs on a listen()ed host, with no server made for it', async () => {
    const { host, url, servers } = await listening();
    const stalled = stalledPost(url);
    await expectCutOff(stalled);
    expect(servers).toEqual({ created: 0, closed: 0 });
    expect(host.sessionCount).toBe(0);
    // The host goes on serving.
    const { client } = await connectClient(url);
    await expect(client.callTool({ name: 'wait', arguments: { ms: 1 } })).resolves.toMatchObject({ content: [{ text: 'waited 1' }] });
  });

  it('is cut off behind an embedding server that has no request timeout of its own', async () => {
    const { host, url, servers } = await embedded();
    await expectCutOff(stalledPost(url));
    expect(servers).toEqual({ created: 0, closed: 0 });
    expect(host.sessionCount).toBe(0);
  });

  it('holds no server past the bound however many stall at once', async () => {
    const { url, servers } = await listening();
    const stalled = Array.from({ length: 20 }, () => stalledPost(url));
    for (const request of stalled) await expectCutOff(request);
    expect(servers).toEqual({ created: 0, closed: 0 });
  });

  it('is cut off without calling createServer, however long that would take', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const servers = { created: 0, closed: 0 };
    const host = new McpHttpHost({
      createServer: async () => {
        await gate;
        servers.created += 1;
        return countingCloses(new McpServer({ name: 'slow-factory', version: '1' }), servers);
      },
      requestBodyTimeoutMs: BODY_MS,
    });
    const { url } = await host.listen({ port: 0 });
    // Run first (cleanups run last to first), should a request reach createServer.
    cleanups.push(
      () => host.close(),
      async () => release(),
    );
    await expectCutOff(stalledPost(url));
    release();
    await host.close();
    expect(servers).toEqual({ created: 0, closed: 0 });
    expect(host.sessionCount).toBe(0);
  });

  it('is served when the body arrives slowly but within the bound', async () => {
    const { url, host } = await listening();
    const socket = connectTcp(Number(new URL(url).port), '127.0.0.1');
    cleanups.push(async () => void socket.destroy());
    let answer = '';
    socket.on('data', (chunk: Buffer) => void (answer += chunk.toString()));
    socket.write(
      'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n' +
        `Content-Type: application/json\r\nContent-Length: ${initializeBody.length}\r\n\r\n${initializeBody.slice(0, 20)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, BODY_MS / 2));
    socket.write(initializeBody.slice(20));
    await new Promise((resolve) => setTimeout(resolve, BODY_MS * 2));
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(host.sessionCount).toBe(1);
  });
});

describe('McpHttpHost: other requests whose body stalls', () => {
  it('cuts off a stateless POST (sessions: false), with no server made for it', async () => {
    const { url, servers } = await listening({ sessions: false });
    await expectCutOff(stalledPost(url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })));
    expect(servers).toEqual({ created: 0, closed: 0 });
  });

  it("cuts off a session's POST and leaves the session serving", async () => {
    const { url, host } = await listening();
    const { client, transport } = await connectClient(url);
    const stalled = stalledPost(url, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }), {
      'Mcp-Session-Id': transport.sessionId!,
      'Mcp-Protocol-Version': transport.protocolVersion!,
    });
    await expectCutOff(stalled);
    expect(host.sessionCount).toBe(1);
    await expect(client.callTool({ name: 'wait', arguments: { ms: 1 } })).resolves.toMatchObject({ content: [{ text: 'waited 1' }] });
  });
});

describe('McpHttpHost: streams after a complete body are not bounded by requestBodyTimeoutMs', () => {
  it("keeps a POST's answer and the GET stream open well past the bound", async () => {
    const { url, made } = await listening();
    const { client } = await connectClient(url);
    const changed: string[] = [];
    client.setNotificationHandler(ToolListChangedNotificationSchema, (notification) => void changed.push(notification.method));
    // The call's answer streams for 4 × the bound.
    await expect(client.callTool({ name: 'wait', arguments: { ms: BODY_MS * 4 } })).resolves.toMatchObject({
      content: [{ text: `waited ${BODY_MS * 4}` }],
    });
    // The GET stream, open since initialize (over 4 × the bound ago), still carries notifications.
    made[0]!.sendToolListChanged();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changed).toEqual(['notifications/tools/list_changed']);
  });
});

describe('McpHttpHost: the body timer ends with its request', () => {
  const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

  it('leaves no timer after complete, refused, over-limit and abandoned bodies', async () => {
    // A long bound, so a timer that outlived its request would still be pending at the end.
    const { url, servers } = await listening({ sessions: false, requestBodyTimeoutMs: 60_000, maxRequestBodySize: 1024 });
    const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await raw(url, 'POST', toolsList); // the first request loads what the later ones share
    // Timers of earlier tests (clients closing, tasks ending) run out first.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = timers();
    expect((await raw(url, 'POST', toolsList)).status).toBe(200);
    expect((await raw(url, 'POST', toolsList, { host: 'evil.example' })).status).toBe(403);
    expect((await raw(url, 'POST', Buffer.alloc(8 * 1024, 'a'))).status).toBe(413);
    // Answered 413 while the body still streams; the client then drops the connection mid-body.
    expect((await streamUntilAnswered(url, 64 * 1024 * 1024)).status).toBe(413);
    const abandoned = stalledPost(url);
    await new Promise((resolve) => setTimeout(resolve, 100));
    abandoned.socket.destroy();
    await abandoned.closed;
    // Passing timers (the SDK's, Node's) may take a moment; one left with its request lasts 60 s.
    await eventually(() => timers() === before, 2_000).catch(() => undefined);
    expect(timers()).toBe(before);
    expect(servers.closed).toBe(servers.created);
  });
});

describe('McpHttpHostOptions.requestBodyTimeoutMs', () => {
  it('sets no bound when 0 (Node and close() still cut the request off)', async () => {
    const { host, url, servers } = await embedded({ requestBodyTimeoutMs: 0 });
    const stalled = stalledPost(url);
    expect(await within(stalled.closed, BODY_MS * 3)).toBe('still open');
    expect(servers).toEqual({ created: 0, closed: 0 });
    await host.close();
    expect(await within(stalled.closed, SLACK_MS)).toBe('');
    expect(servers).toEqual({ created: 0, closed: 0 });
  });

  it('refuses a negative or NaN bound, or one past the largest timer, when the host is built', () => {
    for (const value of [-1, Number.NaN, 2 ** 31]) {
      expect(
        () => new McpHttpHost({ createServer: () => new McpServer({ name: 'x', version: '1' }), requestBodyTimeoutMs: value }),
      ).toThrow(RangeError);
    }
  });
});
