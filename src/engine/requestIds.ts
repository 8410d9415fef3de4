/**
 * Ids of the requests a task sends to its client (elicitation, sampling). Each carries the task's
 * id, so an answer that arrives with nothing else to go by (stateless HTTP: its own POST, maybe at
 * another instance, no session) still names its task; the task's owner then decides whether the
 * caller may answer. The task id's 128 random bits also make the request id unguessable.
 */

/** Between the engine's counter and the task id: not a base64url character, so the split is unambiguous. */
const SEPARATOR = '~';
const FORM = /^mta-[0-9a-f]{8}-\d+~(.+)$/;

/** The id of the `n`th request of an engine whose request ids start with `prefix` (`mta-<8 hex>-`). @internal */
export function requestIdFor(prefix: string, n: number, taskId: string): string {
  // join, not a template: `+` builds a chain of three cons strings that the id's holders (queued
  // request, pending asks, the task actor) keep for as long as the ask waits; join builds one
  // flat string. With the shared settled write chain (StoreWriter.ts), 109 bytes less per task
  // waiting for input (bench/heapProfile.ts `input`: 5,150 -> 5,041 B; issue 14).
  return [prefix, n, SEPARATOR, taskId].join('');
}

/** The task a request id made by {@link requestIdFor} belongs to; undefined for any other id. @internal */
export function taskIdOfRequest(requestId: unknown): string | undefined {
  if (typeof requestId !== 'string' || requestId.length > 512) return undefined;
  return FORM.exec(requestId)?.[1];
}
