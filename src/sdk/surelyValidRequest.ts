import { isPlainObject } from '../plainObject.js';
import { isPlainRequestMeta } from '../session/params.js';

/**
 * A JSON-RPC request both SDK lines' request schemas surely accept, checked by hand: `jsonrpc`
 * "2.0", a string or safe-integer `id`, a string `method`, params (if any) a plain object whose
 * `_meta` holds nothing unusual, and no other member (the schemas are strict). Having no `result`
 * or `error`, it is no response either. False means only "not sure": let the SDK's schema decide.
 * Running that schema on every request was about 2 % of a task lifecycle's CPU (issue 14);
 * `test/sdk/surelyValidRequest.test.ts` pins the agreement with both lines' schemas.
 * @internal
 */
export function surelyValidRequest(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { jsonrpc, id, method, params } = message as Record<string, unknown>;
  if (jsonrpc !== '2.0' || typeof method !== 'string') return false;
  if (typeof id === 'number' ? !Number.isSafeInteger(id) : typeof id !== 'string') return false;
  for (const key in message) if (key !== 'jsonrpc' && key !== 'id' && key !== 'method' && key !== 'params') return false;
  return params === undefined || (isPlainObject(params) && isPlainRequestMeta(params['_meta']));
}
