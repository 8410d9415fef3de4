import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serveHttp } from '../../src/demo/httpServer.js';
import { observeDemo } from '../../src/demo/observability.js';
import { createDemoMcpServer } from '../../src/demo/tools.js';
import { testTaskSupport } from '../support/harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The demo's live view as `src/demo/main.ts` serves it on loopback (operator surface on). */
async function serveDemo(): Promise<number> {
  const observe = await observeDemo({ liveView: true });
  const tasks = testTaskSupport({ inspect: observe.inspect });
  const http = await serveHttp(tasks, (t) => createDemoMcpServer(t, { secondMs: 1000 }), {
    port: 0,
    operator: { enabled: true },
    routes: (req, res, access) => observe.routes(req, res, access),
  });
  cleanups.push(async () => {
    await tasks.close();
    await http.close();
    await observe.stop();
  });
  return Number(new URL(http.url).port);
}

/** The head (status line and headers) of the answer to a raw request line. */
function head(port: number, target: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (chunk: Buffer) => {
      out += chunk.toString('latin1');
      const end = out.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(out.slice(0, end));
      }
    });
    socket.on('error', reject);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  });
}

describe('the live view asked with an absolute-form request target (RFC 9112: servers must accept it)', () => {
  it('serves the page, its stream and the redirect of / as for the origin form, instead of a 404 past the operator gate', async () => {
    const port = await serveDemo();
    const base = `http://127.0.0.1:${port}`;
    expect(await head(port, '/tasks')).toMatch(/^HTTP\/1\.1 200 .*content-type: text\/html/is);
    expect(await head(port, `${base}/tasks`)).toMatch(/^HTTP\/1\.1 200 .*content-type: text\/html/is);
    expect(await head(port, `${base}/tasks/events`)).toMatch(/^HTTP\/1\.1 200 .*content-type: text\/event-stream/is);
    expect(await head(port, `${base}/?token=abc`)).toMatch(/^HTTP\/1\.1 302 .*\r\nlocation: \/tasks\?token=abc\r\n/is);
    // Another host than the Host header's: refused by the host's check, before the live view.
    expect(await head(port, `http://evil.example/tasks`)).toMatch(/^HTTP\/1\.1 400 /);
  });
});
