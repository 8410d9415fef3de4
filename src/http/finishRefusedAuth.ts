import type { ServerResponse } from 'node:http';

/**
 * Completes the answer of a request its `authenticate` hook refused (it returned `false`, which says
 * it answered the request itself). A hook that wrote nothing left the request, and its client,
 * waiting for ever: it gets 401 with a JSON-RPC error, carrying the headers the hook set (e.g. its
 * `WWW-Authenticate`). A hook that wrote its own answer keeps it; one it began and did not end is
 * ended as it is.
 * @internal
 */
export function finishRefusedAuth(res: ServerResponse): void {
  if (res.writableEnded) return;
  if (res.headersSent) return void res.end();
  res.writeHead(401, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Unauthorized' } }));
}
