/**
 * How long McpHttpHost lets a request body take to arrive, and what it does with one that stalls.
 * A POST is answered only once its whole body is read (requestBody.ts; before any server is made:
 * transportBody.ts), so a client that sends headers and part of a body would hold the request, the
 * socket and, for an initialize, its session slot until Node's request timeout (5 minutes on a
 * listen()ed host, none behind an embedding server that sets none).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timerOption } from '../timerBounds.js';

/** `McpHttpHostOptions.requestBodyTimeoutMs` when absent. */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

/**
 * The bound `requestBodyTimeoutMs` asks for: undefined for none (`0` or `Infinity`).
 * @throws RangeError for a negative or NaN value, or one past Node's largest timer (about 24.8
 * days), which Node would turn into 1 ms and so cut every body off.
 * @internal
 */
export function bodyTimeoutOf(ms: number | undefined): number | undefined {
  return ms === undefined ? DEFAULT_BODY_TIMEOUT_MS : timerOption('requestBodyTimeoutMs', ms, true);
}

/**
 * Cuts `req` off if its body has not all arrived `ms` from now (when its headers reach the host).
 * What is measured is the body's arrival (`req.complete`, which the HTTP parser sets), not how long
 * the request is served: the answer that follows a complete body, an SSE stream included, is never
 * cut. The timer ends with the body's `end`, the request's or its connection's `close` (Node closes
 * neither request nor body when a connection drops after the answer, e.g. a 413 before the whole
 * body came), or its own run.
 * @internal
 */
export function limitBodyArrival(req: IncomingMessage, res: ServerResponse, ms: number): void {
  // A request with neither header has no body (RFC 9112, section 6.3): a GET stream sets no timer.
  const declaresBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (req.complete || !declaresBody) return;
  const socket = req.socket;
  const stop = (): void => {
    clearTimeout(timer);
    req.off('end', stop);
    req.off('close', stop);
    socket.off('close', stop);
  };
  // Not unref'd: it lives only while its connection is open, which keeps the process up anyway, and
  // one outliving its request would show (a process held up to `ms` after close) rather than hide.
  const timer = setTimeout(() => {
    stop();
    if (!req.complete) cutOff(req, res, ms);
  }, ms);
  req.once('end', stop);
  req.once('close', stop);
  socket.once('close', stop);
}

/**
 * Ends a request whose body the host is reading and has not all arrived, for `McpHttpHost.close()`:
 * the read comes to `gone` (no server is made, no session opened, nothing reaches a closed one),
 * and the socket is not left to the body's deadline, or to none.
 * @internal
 */
export function cutOffIfStalled(req: IncomingMessage): void {
  if (!req.complete) req.destroy();
}

/**
 * Answers 408 with a JSON-RPC error when nothing of the response has been written, then destroys the
 * request (and so its socket): the body's reader (McpHttpHost's, the v2 demo's bridge) sees it gone
 * and answers nothing. The 408 is written on the socket, as Node writes its own request-timeout
 * answer, so no code path that still holds the response can write its headers a second time.
 */
function cutOff(req: IncomingMessage, res: ServerResponse, ms: number): void {
  // `res.socket` is set only while this response is the connection's current one (not one waiting
  // behind a pipelined request), so the bytes cannot land inside another response.
  const socket = res.socket;
  if (!res.headersSent && socket?.writable) {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: `Request Timeout: the request body did not arrive within ${ms} ms` },
    });
    socket.write(
      'HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  req.destroy();
}
