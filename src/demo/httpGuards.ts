/**
 * The request guards of the SDK v2 demo's own `node:http` bridge (v2 has no Node transport, so the
 * Host check and body limit that SDK v1's transport and `McpHttpHost` apply are done here).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The SDK's default: the largest JSON-RPC body a Streamable HTTP endpoint reads. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const LOOPBACK_INTERFACES = ['127.0.0.1', 'localhost', '::1'];
/** The names that reach a loopback listener; anything else is a DNS-rebinding attempt. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** A refusal before the request reaches MCP: its HTTP status and a JSON-RPC error body. */
export class RefusedRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The Host names served when the demo listens on `bindHost`: on a loopback interface only loopback
 * names (a page on another site that rebinds its name to 127.0.0.1 must not reach the server),
 * elsewhere any (the operator put it on a network on purpose).
 */
export function allowedHostNames(bindHost: string): readonly string[] | undefined {
  return LOOPBACK_INTERFACES.includes(bindHost) ? LOOPBACK_NAMES : undefined;
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
 * refused before anything is read.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer<ArrayBuffer>> {
  const tooLarge = (): RefusedRequest => new RefusedRequest(413, `Request body larger than ${limit} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Answers a refused request with its status and a JSON-RPC error (id null: the request was not read). */
export function sendRefusal(res: ServerResponse, refusal: RefusedRequest): void {
  if (res.headersSent) return void res.end();
  // Connection: close, because the rest of an over-long body is not read.
  res.writeHead(refusal.status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: refusal.message }, id: null }));
}
