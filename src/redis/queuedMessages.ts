import type { QueuedMessage, QueuedRequest } from '../backends/TaskMessageQueue.js';

/**
 * Reading a task's queue back (RedisTaskMessageQueue). Redis may hold entries this library did
 * not write (an operator's LPUSH, an older or buggy instance, a partial write). Before, one such
 * entry threw out of the whole take, after the take had removed every message from the queue: the
 * task's good requests and notifications were lost with it, the task waiting for input until its
 * ttl; and one in the open-requests hash failed every read of the task's outstanding requests.
 * Now such an entry is dropped, and the rest delivered.
 */

/** The messages of a take, as stored; what is not a queued message is left out. @internal */
export function parseQueued(raw: readonly string[]): QueuedMessage[] {
  const messages: QueuedMessage[] = [];
  for (const text of raw) {
    const message = parse(text);
    if (isQueued(message)) messages.push(message);
  }
  return messages;
}

/** The requests of a task's open-requests hash (values `{"at":…,"message":…}`), oldest first. @internal */
export function parseOpen(raw: readonly string[]): QueuedRequest[] {
  const entries: { at: number; message: QueuedRequest }[] = [];
  for (const text of raw) {
    const entry = parse(text) as { at?: unknown; message?: unknown } | undefined;
    if (typeof entry !== 'object' || entry === null || !isQueued(entry.message) || entry.message.kind !== 'request') continue;
    entries.push({ at: typeof entry.at === 'number' ? entry.at : 0, message: entry.message });
  }
  return entries.sort((a, b) => a.at - b.at).map((e) => e.message);
}

/** The request of one open-requests hash value, or undefined when it is not one. @internal */
export function parseOpenEntry(text: string): QueuedRequest | undefined {
  const [request] = parseOpen([text]);
  return request;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What every reader of a queued message relies on (storeGuard.ts checks the same of a take). */
function isQueued(value: unknown): value is QueuedMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, message, requestId } = value as { kind?: unknown; message?: unknown; requestId?: unknown };
  if (typeof message !== 'object' || message === null || typeof (message as { method?: unknown }).method !== 'string') return false;
  return kind === 'notification' || (kind === 'request' && typeof requestId === 'string');
}
