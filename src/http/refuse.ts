import type { ServerResponse } from 'node:http';

/**
 * Answers a request McpHttpHost (or the v2 demo's bridge) does not serve: `status` with a JSON-RPC
 * error (`id` null: the request's own id is not read), as the SDK transport words its own refusals; `data`, when given,
 * is the error's `data` (a session cap's refusal names the cap).
 * @internal
 */
export function refuse(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
  data?: unknown,
): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: data === undefined ? { code, message } : { code, message, data } }));
}

/** The answer to any request once `McpHttpHost.close()` has begun. @internal */
export function refuseClosing(res: ServerResponse): void {
  refuse(res, 503, -32000, 'Server is shutting down');
}

/**
 * The methods an MCP endpoint with sessions serves (McpHttpHost's, the v2 demo's), as the SDK
 * transports list them in the `Allow` of their own 405s.
 * @internal
 */
export const SESSION_METHODS: readonly string[] = ['GET', 'POST', 'DELETE'];

/** 405 with the `Allow` header of the methods served. @internal */
export function refuseMethod(res: ServerResponse, allow: string, message: string): void {
  refuse(res, 405, -32000, message, { allow });
}
