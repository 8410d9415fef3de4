/**
 * McpHttpHost judges a JSON body's JSON-RPC envelope itself, before it makes a server: SDK v1's
 * transport answered valid JSON that is no JSON-RPC message with -32700 "Parse error", which
 * JSON-RPC 2.0 keeps for invalid JSON (-32600 Invalid Request is for this), and an empty batch `[]`
 * reached the session logic ("Server not initialized" on a fresh POST, 202 within a session).
 * Only the envelope is judged; params, extra members and id types stay the SDK's to refuse.
 */
import type { BodyRead } from './requestBody.js';

const SHAPE = 'an object with jsonrpc "2.0" and a string method, or with an id and a result, or with an error';

/** Whether `value` has the envelope of a JSON-RPC request, notification or response. */
function isMessageEnvelope(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const has = (key: string): boolean => Object.hasOwn(value, key);
  if ((value as { jsonrpc?: unknown }).jsonrpc !== '2.0') return false;
  if (typeof (value as { method?: unknown }).method === 'string') return true;
  // MCP's schema (and the SDK's) leaves an error response's id optional, a result's not.
  return (has('result') && has('id')) || has('error');
}

/**
 * Why a parsed body is no JSON-RPC message or batch of them (one readable line), or undefined
 * when its envelope (and each batch item's) is one.
 * @internal
 */
export function envelopeProblem(body: unknown): string | undefined {
  if (!Array.isArray(body)) return isMessageEnvelope(body) ? undefined : `the body is no JSON-RPC message (${SHAPE})`;
  if (body.length === 0) return 'the body is an empty batch';
  const bad = body.findIndex((item) => !isMessageEnvelope(item));
  return bad < 0 ? undefined : `batch item ${bad + 1} of ${body.length} is no JSON-RPC message (${SHAPE})`;
}

/**
 * `read` itself, or its refusal (400, -32600 "Invalid Request: …") when its value is no JSON-RPC
 * message or batch of them.
 * @internal
 */
export function withValidEnvelope(read: BodyRead): BodyRead {
  if (!('value' in read)) return read;
  const problem = envelopeProblem(read.value);
  return problem === undefined ? read : { status: 400, code: -32600, message: `Invalid Request: ${problem}` };
}
