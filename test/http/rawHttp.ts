import { request } from 'node:http';

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
