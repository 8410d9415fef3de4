import { STATUS_CODES } from 'node:http';
import type { ServerResponse } from 'node:http';
import { refuse } from './refuse.js';

/**
 * Completes the answer of a request its `authenticate` hook refused (it returned `false`, which says
 * it answered the request itself). A hook that wrote nothing left the request, and its client,
 * waiting for ever: it is answered with the status the hook set if that is an error (4xx, 5xx, e.g.
 * `res.statusCode = 403`), else 401, with a JSON-RPC error (-32000, the status's name: "Unauthorized";
 * `HTTP 499` for one Node has no name for) and the headers the hook set (e.g. its `WWW-Authenticate`).
 * A response the hook began (its head sent) is its own, left alone: it may still be writing it, and
 * ending it here cut its later `res.end(body)` short (a write after end: the rest dropped, or an
 * ERR_STREAM_WRITE_AFTER_END 'error' on a response not yet destroyed). So is one destroyed.
 * @internal
 */
export function finishRefusedAuth(res: ServerResponse): void {
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  const status = res.statusCode >= 400 && res.statusCode < 600 ? res.statusCode : 401;
  refuse(res, status, -32000, STATUS_CODES[status] ?? `HTTP ${status}`);
}
