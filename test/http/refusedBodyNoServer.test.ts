/**
 * McpHttpHost with a POST whose body it refuses: 413 (declared too large, or a chunked body that
 * passes the limit), 400 -32700 (malformed JSON) or 400 -32600 (a batch over the SDK's limit).
 * Before, a request opening a session (every POST when stateless) had its server made by
 * `createServer()` before its body was read, then closed again: each refusal cost a server. The
 * host now reads and checks the body first: none is made, and the host goes on serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { countedHost } from '../support/counting.js';
import { initializeBody, raw, streamUntilAnswered } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A listening host with a 64 KB body limit that counts the servers it makes and closes. */
async function start(sessions: boolean) {
  const { host, servers } = countedHost('refused-body', { maxRequestBodySize: 64 * 1024, sessions });
  const { url } = await host.listen({ port: 0 });
  cleanups.push(() => host.close());
  return { host, url, servers };
}

const toolsList = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/list' });

describe.each([
  { mode: 'a session host', sessions: true },
  { mode: 'a stateless host (sessions: false)', sessions: false },
])('McpHttpHost, $mode: a POST whose body it refuses makes no server', ({ sessions }) => {
  it('413 for a declared body over the limit, and for a chunked one once it passes it', async () => {
    const { url, servers } = await start(sessions);
    expect((await raw(url, 'POST', Buffer.alloc(128 * 1024, 'a'))).status).toBe(413);
    expect((await streamUntilAnswered(url, 8 * 1024 * 1024)).status).toBe(413);
    expect(servers).toEqual({ created: 0, closed: 0 });
  });

  it('400 -32700 for malformed JSON, and 400 -32600 for a batch over 100 messages', async () => {
    const { url, servers } = await start(sessions);
    const malformed = await raw(url, 'POST', '{"jsonrpc":');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toMatchObject({ error: { code: -32700 } });
    const batch = await raw(url, 'POST', JSON.stringify(Array.from({ length: 101 }, (_, i) => toolsList(i + 1))));
    expect(batch.status).toBe(400);
    expect(JSON.parse(batch.text)).toMatchObject({ error: { code: -32600, message: expect.stringMatching(/Batch must not exceed 100/) } });
    expect(servers).toEqual({ created: 0, closed: 0 });
  });

  it('makes one for a body that passed, and goes on serving after the refusals', async () => {
    const { url, servers } = await start(sessions);
    expect((await raw(url, 'POST', '{"jsonrpc":')).status).toBe(400);
    expect((await raw(url, 'POST', initializeBody)).status).toBe(200);
    expect(servers.created).toBe(1);
  });
});
