/**
 * McpHttpHost with a POST whose body is valid JSON but no JSON-RPC message (`{"foo":1}`, `42`,
 * `null`, a batch with a number in it) or an empty batch `[]`. SDK v1's transport answered the first
 * 400 -32700 "Parse error: Invalid JSON-RPC message" (JSON-RPC 2.0 keeps -32700 for invalid JSON),
 * and `[]` 400 -32000 "Server not initialized" on a fresh POST, 202 within a session or stateless.
 * The host now answers each itself, 400 -32600 "Invalid Request: …", before it makes a server and
 * without handing anything to a session; valid messages and batches go on as before.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import { countingCloses } from '../support/counting.js';
import { initializeBody, raw } from './rawHttp.js';
import type { RawResponse } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ping = (id: number) => ({ jsonrpc: '2.0', id, method: 'ping' });

/** Each body, and the reason its refusal gives. */
const invalidBodies: Array<{ body: string; reason: RegExp }> = [
  { body: '[]', reason: /^Invalid Request: the body is an empty batch$/ },
  { body: '{"foo":1}', reason: /^Invalid Request: the body is no JSON-RPC message \(an object with jsonrpc "2\.0" and a string method/ },
  { body: '42', reason: /^Invalid Request: the body is no JSON-RPC message/ },
  { body: '"x"', reason: /^Invalid Request: the body is no JSON-RPC message/ },
  { body: 'null', reason: /^Invalid Request: the body is no JSON-RPC message/ },
  { body: '[1,2]', reason: /^Invalid Request: batch item 1 of 2 is no JSON-RPC message/ },
  { body: JSON.stringify([ping(1), 5]), reason: /^Invalid Request: batch item 2 of 2 is no JSON-RPC message/ },
  // The envelope's members: jsonrpc "2.0", a string method, a result's id.
  { body: '{"jsonrpc":"1.0","id":1,"method":"ping"}', reason: /^Invalid Request: the body is no JSON-RPC message/ },
  { body: '{"jsonrpc":"2.0","id":1,"method":7}', reason: /^Invalid Request: the body is no JSON-RPC message/ },
  { body: '{"jsonrpc":"2.0","result":{}}', reason: /^Invalid Request: the body is no JSON-RPC message/ },
];

/** A listening host that counts the servers it makes and records the messages their transports are handed. */
async function start(sessions: boolean) {
  const servers = { created: 0, closed: 0 };
  const received: unknown[] = [];
  const host = new McpHttpHost({
    createServer: () => {
      servers.created += 1;
      const server = countingCloses(new McpServer({ name: 'invalid-envelope', version: '1' }), servers);
      const connect = server.connect.bind(server);
      server.connect = async (transport: Transport) => {
        await connect(transport);
        const onmessage = transport.onmessage;
        transport.onmessage = (message, extra) => {
          received.push(message);
          onmessage?.(message, extra);
        };
      };
      return server;
    },
    sessions,
  });
  const { url } = await host.listen({ port: 0 });
  cleanups.push(() => host.close());
  return { host, url, servers, received };
}

/** Opens a session with a raw initialize; the headers of its later requests. */
async function openSession(url: string): Promise<Record<string, string>> {
  const opened = await raw(url, 'POST', initializeBody);
  expect(opened.status).toBe(200);
  return { 'mcp-session-id': opened.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-11-25' };
}

function expectRefused(answer: RawResponse, reason: RegExp): void {
  expect(answer.status).toBe(400);
  expect(answer.headers['content-type']).toBe('application/json');
  expect(JSON.parse(answer.text)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringMatching(reason) } });
}

/** The JSON-RPC answers in a response's body: JSON, or the data lines of an event stream. */
function answersIn(answer: RawResponse): unknown[] {
  if (String(answer.headers['content-type']).startsWith('application/json')) return [JSON.parse(answer.text)].flat();
  return answer.text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
    .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);
}

describe('McpHttpHost answers a body that is no JSON-RPC message 400 -32600, making no server', () => {
  it.each(invalidBodies)('a session host, a POST without a session id: $body', async ({ body, reason }) => {
    const { host, url, servers } = await start(true);
    expectRefused(await raw(url, 'POST', body), reason);
    expect(servers).toEqual({ created: 0, closed: 0 });
    expect(host.sessionCount).toBe(0);
  });

  it.each(invalidBodies)('a session host, a POST within an open session: $body', async ({ body, reason }) => {
    const { host, url, servers, received } = await start(true);
    const headers = await openSession(url);
    const before = received.length;
    expectRefused(await raw(url, 'POST', body, headers), reason);
    // Nothing reached the session's transport, and the session serves on.
    expect(received.length).toBe(before);
    expect(servers).toEqual({ created: 1, closed: 0 });
    expect(host.sessionCount).toBe(1);
    const pinged = await raw(url, 'POST', JSON.stringify(ping(2)), headers);
    expect(pinged.status).toBe(200);
    expect(answersIn(pinged)).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }]);
  });

  it.each(invalidBodies)('a stateless host (sessions: false): $body', async ({ body, reason }) => {
    const { url, servers } = await start(false);
    expectRefused(await raw(url, 'POST', body), reason);
    expect(servers).toEqual({ created: 0, closed: 0 });
  });

  it('a body a framework parsed is judged the same; a GET or a POST of another type with one ({}) is not', async () => {
    const host = new McpHttpHost({ createServer: () => new McpServer({ name: 'framework-body', version: '1' }) });
    // As express.json() (body-parser 1.x) leaves it: the parsed value, or {} when it parsed nothing.
    const http = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      req.on('end', () => void host.handle(req, res, text && req.headers['content-type'] === 'application/json' ? JSON.parse(text) : {}));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => http.close(resolve)));
    cleanups.push(() => host.close());
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    expectRefused(await raw(url, 'POST', '[]'), /empty batch/);
    expectRefused(await raw(url, 'POST', '{"foo":1}'), /no JSON-RPC message/);
    // The SDK's own answers, as before: 415 for the type, 400 for a GET without a session id.
    expect((await raw(url, 'POST', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(JSON.parse((await raw(url, 'GET')).text)).toMatchObject({
      error: { code: -32000, message: expect.stringMatching(/Mcp-Session-Id/) },
    });
    expect(host.sessionCount).toBe(0);
  });
});

describe('McpHttpHost still hands valid messages and batches to the transport (guard)', () => {
  it('a session host: initialize, then a request, a notification, responses and a batch within the session', async () => {
    const { url, received } = await start(true);
    const headers = await openSession(url);
    const pinged = await raw(url, 'POST', JSON.stringify(ping(2)), headers);
    expect(answersIn(pinged)).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }]);
    expect((await raw(url, 'POST', '{"jsonrpc":"2.0","method":"notifications/initialized"}', headers)).status).toBe(202);
    // Responses (to nothing the server sent) are handed on too: the SDK accepts an error's id absent.
    expect((await raw(url, 'POST', '{"jsonrpc":"2.0","id":9,"result":{}}', headers)).status).toBe(202);
    expect((await raw(url, 'POST', '{"jsonrpc":"2.0","error":{"code":-1,"message":"m"}}', headers)).status).toBe(202);
    const batch = await raw(url, 'POST', JSON.stringify([ping(3), ping(4)]), headers);
    expect(batch.status).toBe(200);
    expect(answersIn(batch)).toEqual(
      expect.arrayContaining([
        { jsonrpc: '2.0', id: 3, result: {} },
        { jsonrpc: '2.0', id: 4, result: {} },
      ]),
    );
    expect(received).toHaveLength(7);
  });

  it('a stateless host: a request and a batch', async () => {
    const { url } = await start(false);
    expect(answersIn(await raw(url, 'POST', JSON.stringify(ping(1))))).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
    const batch = await raw(url, 'POST', JSON.stringify([ping(2), { jsonrpc: '2.0', id: 3, method: 'tools/list' }]));
    expect(batch.status).toBe(200);
    expect(answersIn(batch)).toHaveLength(2);
  });
});
