import { request } from 'node:http';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export const initializeBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** One raw HTTP request (node:http, so Host, Origin and the body can be anything). */
export function raw(url: string, method: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => void (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    // The server may answer (and close) before a large body is all sent: the write fails with
    // EPIPE or ECONNRESET, on the request or, once the response ended and the request let go of
    // it, on the socket itself (one CI run reported such an EPIPE in the next test).
    const expected = (error: NodeJS.ErrnoException): boolean => error.code === 'EPIPE' || error.code === 'ECONNRESET';
    req.on('error', (error: NodeJS.ErrnoException) => (expected(error) ? undefined : reject(error)));
    req.on('socket', (socket) => {
      const onSocketError = (error: NodeJS.ErrnoException): void => (expected(error) ? undefined : reject(error));
      socket.on('error', onSocketError);
      // The default agent keeps the socket alive and the next raw() to the same server reuses it: one
      // listener per request would pile up on it (MaxListenersExceededWarning at the 11th). The agent
      // guards a socket it takes back itself (its own 'free' listener, which runs before this one, adds
      // an 'error' listener), so this one goes then. A socket not kept alive keeps it until it closes.
      socket.once('free', () => socket.off('error', onSocketError));
    });
    req.end(body);
  });
}

/**
 * Streams a body in 64 KiB chunks (no Content-Length: chunked) until the server answers or `total`
 * bytes are sent; resolves with the status and how many bytes had been written by then.
 */
export function streamUntilAnswered(url: string, total: number): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    });
    req.on('response', (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode ?? 0, sent });
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered && error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = (): void => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    req.write('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"');
    pump();
  });
}

/** A POST whose body stopped arriving: what its socket received once closed, when it was sent, the socket. */
export interface StalledRequest {
  /** Resolves with all the socket received once it closes. */
  closed: Promise<string>;
  /** When the head and the first part of the body were written. */
  sentAt: number;
  socket: Socket;
}

/**
 * Writes a POST's head and the first 20 bytes of `body` on a raw socket, and no more. The caller
 * destroys `socket` when the test ends.
 */
export function stalledPost(url: string, body = initializeBody, headers: Record<string, string> = {}): StalledRequest {
  const socket = connectTcp(Number(new URL(url).port), '127.0.0.1');
  let answer = '';
  socket.on('data', (chunk: Buffer) => void (answer += chunk.toString()));
  socket.on('error', () => undefined); // a cut-off may reach the client as ECONNRESET
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(answer)));
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.write(
    'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n' +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra.join('')}\r\n${body.slice(0, 20)}`,
  );
  return { closed, sentAt: Date.now(), socket };
}

/** `promise`, or 'still open' if it has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still open'>((resolve) => (timer = setTimeout(() => resolve('still open'), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
