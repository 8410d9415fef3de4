import type { ServerResponse } from 'node:http';

/**
 * Answers a request McpHttpHost does not serve: `status` with a JSON-RPC error (`id` null: the
 * request's own id is not read), as the SDK transport words its own refusals.
 * @internal
 */
export function refuse(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}

/** The answer to any request once `McpHttpHost.close()` has begun. @internal */
export function refuseClosing(res: ServerResponse): void {
  refuse(res, 503, -32000, 'Server is shutting down');
}

/** 405 with the `Allow` header of the methods served. @internal */
export function refuseMethod(res: ServerResponse, allow: string, message: string): void {
  refuse(res, 405, -32000, message, { allow });
}
