import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { writeBody } from '../../src/demo/writeBody.js';
import { eventually } from '../support/harness.js';

const CHUNK = 64 * 1024;
const CHUNKS = 2048; // 128 MiB, if nobody waits for the reader
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test('a client that stops reading stops the body being read: the bridge waits for drain', async () => {
  let pulled = 0;
  let cancelled = false;
  const chunk = new Uint8Array(CHUNK).fill(120);
  const server = http.createServer((_req, res) => {
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled === CHUNKS) return controller.close();
          pulled++;
          controller.enqueue(chunk);
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    void writeBody(new Response(body), res).then(() => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;

  // A client that sends its request and then never reads.
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => void socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.pause();
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await eventually(() => pulled > 0);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  // What the kernel's socket buffers hold (a few MiB on loopback), not all 128 MiB.
  expect(pulled * CHUNK).toBeLessThan(32 * 1024 * 1024);

  // The client goes away: the body is cancelled, nothing is left reading it.
  socket.destroy();
  await eventually(() => cancelled);
});
