import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeBody } from '../../src/demo/writeBody.js';

/** Serves a fetch-shaped handler on a loopback Node http server: the real HTTP path, no mocks. */
export async function serveFetch(handle: (request: Request) => Promise<Response>): Promise<{ url: URL; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      // Aborted when the client goes away before its answer is finished, as fetch-native hosts do:
      // v2 aborts the handler on it (a finished answer also closes `res`, hence writableEnded).
      const gone = new AbortController();
      res.once('close', () => {
        if (!res.writableEnded) gone.abort();
      });
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      const hasBody = chunks.length > 0 && req.method !== 'GET' && req.method !== 'HEAD';
      const response = await handle(
        new Request(`http://127.0.0.1${req.url}`, {
          method: req.method!,
          headers,
          signal: gone.signal,
          ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
        }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      // Headers now: an event stream may carry nothing for a while, and its client waits for them.
      res.flushHeaders();
      await writeBody(response, res);
      res.end();
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
