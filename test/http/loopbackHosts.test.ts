/**
 * McpHttpHost bound to any loopback address serves loopback Host names only (DNS rebinding). It
 * checked the Host header on 127.0.0.1, localhost and ::1 alone: bound to 127.0.0.2 (loopback too,
 * and reached by a page whose name rebinds to it), it served `Host: evil.example`.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { McpHttpHost } from '../../src/http/index.js';
import { startStatelyInspector } from '../../src/inspect/statelyInspector.js';
import { initializeBody, raw } from './rawHttp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listeningOn(host: string) {
  const mcp = new McpHttpHost({ createServer: () => new McpServer({ name: 'loopback', version: '1' }), host });
  const { url } = await mcp.listen({ port: 0 });
  cleanups.push(() => mcp.close());
  return url;
}

describe('McpHttpHost on a loopback address other than 127.0.0.1', () => {
  it('refuses another Host name with 403 and serves its own address and the loopback names', async () => {
    const url = await listeningOn('127.0.0.2');
    const { port } = new URL(url);
    const refused = await raw(url, 'POST', initializeBody, { host: `evil.example:${port}` });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { code: -32000, message: `Invalid Host: evil.example` } });
    for (const host of [`127.0.0.2:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]) {
      expect((await raw(url, 'POST', initializeBody, { host })).status, host).toBe(200);
    }
  });

  it('still serves any Host name on an interface that is not loopback (the operator chose a network)', async () => {
    const url = await listeningOn('0.0.0.0');
    const local = url.replace('0.0.0.0', '127.0.0.1');
    expect((await raw(local, 'POST', initializeBody, { host: 'mcp.example.com' })).status).toBe(200);
  });
});

describe('the Stately inspector relay on a loopback address other than 127.0.0.1', () => {
  it('refuses another Host name with 403 and serves its own address and the loopback names', async () => {
    const inspector = await startStatelyInspector({ port: 0, host: '127.0.0.2' });
    cleanups.push(() => inspector.stop());
    const { port } = new URL(inspector.url);
    expect((await raw(inspector.url, 'GET', undefined, { host: `evil.example:${port}` })).status).toBe(403);
    for (const host of [`127.0.0.2:${port}`, `localhost:${port}`]) {
      expect((await raw(inspector.url, 'GET', undefined, { host })).status, host).toBe(200);
    }
  });
});

describe('an IPv6 bind address with a zone id', () => {
  it('is judged without its zone, where the URL parse threw "Invalid URL"', async () => {
    const { isLoopbackHost, loopbackHostNames } = await import('../../src/http/loopback.js');
    expect(isLoopbackHost('::1%lo')).toBe(true);
    expect(isLoopbackHost('[::1%lo]')).toBe(true);
    expect(isLoopbackHost('fe80::1%eth0')).toBe(false);
    // A zone name Node's isIP refuses (Linux allows `_`): still judged by its address.
    expect(isLoopbackHost('::1%br_lan')).toBe(true);
    expect(loopbackHostNames('::1%br_lan')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(loopbackHostNames('::1%lo')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(loopbackHostNames('fe80::1%eth0')).toBeUndefined();
    expect(
      () => new McpHttpHost({ createServer: () => new McpServer({ name: 'zoned', version: '1' }), host: 'fe80::1%eth0' }),
    ).not.toThrow();
  });

  it('bound to ::1%lo, serves the loopback names and refuses another Host name', async () => {
    const url = await listeningOn('::1%lo');
    // The kernel drops a zone that names no link-local scope: the URL is the plain [::1] one.
    const { port } = new URL(url);
    const at = `http://[::1]:${port}/mcp`;
    expect((await raw(at, 'POST', initializeBody, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await raw(at, 'POST', initializeBody, { host: `[::1]:${port}` })).status).toBe(200);
  });
});
