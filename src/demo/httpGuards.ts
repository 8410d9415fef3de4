/**
 * The request guards of the SDK v2 demo's own `node:http` bridge (v2 has no Node transport, so the
 * Host check and body limit that SDK v1's transport and `McpHttpHost` apply are done here).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_MAX_BODY_BYTES, readBodyBytes } from '../http/requestBody.js';
import { refuse } from '../http/refuse.js';

/** The SDK's default: the largest JSON-RPC body a Streamable HTTP endpoint reads (McpHttpHost's too). */
export const MAX_BODY_BYTES = DEFAULT_MAX_BODY_BYTES;

/**
 * A refusal before the request reaches MCP: its HTTP status and a JSON-RPC error body (`code`, default
 * -32000); `headers` go with it (a 405's `Allow`).
 */
export class RefusedRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = -32000,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** Throws {@link RefusedRequest} (403) when the request's Host is not one of `allowed`. */
export function checkHost(req: IncomingMessage, allowed: readonly string[] | undefined): void {
  if (!allowed) return;
  const host = req.headers.host ?? '';
  // Strip the port: "[::1]:3000" -> "[::1]", "localhost:3000" -> "localhost".
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  if (!name || !allowed.includes(name.toLowerCase())) throw new RefusedRequest(403, `Invalid Host header: ${host || '(none)'}`);
}

/**
 * Reads the body, refusing it with {@link RefusedRequest} (413) once it passes `limit` bytes, so a
 * client cannot make the server buffer without bound. A declared `content-length` over the limit is
 * refused before anything is read. The rest of a refused body is dropped as it comes, not left
 * unread (see `readBodyBytes`). Throws a plain Error when the request is destroyed mid-body.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer<ArrayBuffer>> {
  const read = await readBodyBytes(req, limit);
  if ('tooLarge' in read) throw new RefusedRequest(413, `Request body larger than ${limit} bytes`);
  if ('gone' in read) throw new Error('the request was destroyed before its body ended');
  return read.bytes;
}

/** Answers a refused request with its status and a JSON-RPC error (id null: the request was not read). */
export function sendRefusal(res: ServerResponse, refusal: RefusedRequest): void {
  if (res.headersSent) return void res.end();
  // No `Connection: close`: Node drops a body left unread and keeps the connection; a socket closed
  // with bytes unread sends a reset that can beat the answer (fetch saw EPIPE instead of a 413).
  refuse(res, refusal.status, refusal.code, refusal.message, refusal.headers);
}
