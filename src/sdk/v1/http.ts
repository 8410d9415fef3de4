/**
 * SDK v1's Streamable HTTP pieces for `mcp-task-actors/http`: its Node transport (handed a body
 * the host read and checked: src/http/requestBody.ts, jsonRpcEnvelope.ts; it answers "not
 * initialized" and its schema's refusals itself) and its Host-header check. The host (src/http/) names no SDK class at run time; it asks this file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** What the host needs of a transport; `StreamableHTTPServerTransport` as it is. */
export type HttpTransport = StreamableHTTPServerTransport;

/** The transport options the host sets (a subset of the SDK's). */
export interface HttpTransportOptions {
  /** A session id per initialize; absent: stateless (one transport per request). */
  sessionIdGenerator?: () => string;
  onsessioninitialized?: (sessionId: string) => void;
  /** Bytes; the SDK's default (4 MiB) when absent. */
  maxRequestBodySize?: number;
  /** `Origin` values a browser may send; others get 403 from the transport. */
  allowedOrigins?: string[];
}

/** A v1 `StreamableHTTPServerTransport`. */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  return new StreamableHTTPServerTransport({
    ...(options.sessionIdGenerator ? { sessionIdGenerator: options.sessionIdGenerator } : {}),
    ...(options.onsessioninitialized ? { onsessioninitialized: options.onsessioninitialized } : {}),
    ...(options.maxRequestBodySize !== undefined ? { maxRequestBodySize: options.maxRequestBodySize } : {}),
    // The transport's own Origin check is the SDK's only one (marked deprecated in favour of
    // middleware the SDK does not ship for Origin); it runs only when enabled.
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins, enableDnsRebindingProtection: true } : {}),
  });
}

/**
 * The SDK's `hostHeaderValidation(allowedHostnames)` for plain `node:http`: true when the request
 * may go on; otherwise the SDK's 403 (`-32000 Invalid Host: …`) has been written to `res`.
 * The middleware is Express-shaped (`res.status(code).json(body)`, `next()`), so it gets a
 * response with just those two methods over the Node one.
 */
export function createHostCheck(allowedHostnames: readonly string[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  const middleware = hostHeaderValidation([...allowedHostnames]);
  return (req, res) => {
    let allowed = false;
    const expressLike = {
      status: (code: number) => ({
        json: (body: unknown) => {
          res.writeHead(code, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
      }),
    };
    // Express's own types are not installed (express is the SDK's dependency, not ours).
    (middleware as (req: unknown, res: unknown, next: () => void) => void)(req, expressLike, () => {
      allowed = true;
    });
    return allowed;
  };
}
