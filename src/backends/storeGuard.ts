import { ErrorCode, McpError } from '../wire.js';
import { InvalidCursorError } from './TaskStore.js';
import type { TaskRecord } from '../types.js';
import { toMcpError, unavailableError } from '../errors.js';

/** Methods that wait for an event by design (no deadline): their callers pass an abort signal. */
const WAITS = new Set<PropertyKey>(['waitForTerminal', 'waitForMessage']);

/** Options of {@link guardCalls}. @internal */
export interface GuardOptions {
  /** Name in messages: `store` or `queue`. */
  component: string;
  /** Longest a call may take (ms); `Infinity` for no deadline. */
  timeoutMs: number;
  logger: Pick<Console, 'error'>;
}

/**
 * Wraps a `TaskStore` or `TaskMessageQueue` so that no call can hang a request or a task forever
 * and no backend error text (host names, keys, stack) reaches a client:
 * - a call that has not settled after `timeoutMs` rejects with -32603 "… did not answer within N ms";
 * - a call that throws rejects with -32603 "… failed (details in the server log)", the original
 *   error going to the logger;
 * - `McpError` and `InvalidCursorError` pass unchanged (they are meant for the client);
 * - an answer of the wrong shape (a record missing fields, a page that is no array, a cursor that is
 *   no string) rejects with -32603 "… returned a malformed answer", the answer going to the logger;
 * - a `create` that answers after its deadline is undone (`delete`), since its caller was told it failed;
 *   a queue's `dequeueAll` that does puts what it took back (`requeue`), for the same reason.
 *
 * Every other property (e.g. an in-memory store's `size`) reads through to the target.
 * @internal
 */
export function guardCalls<T extends object>(target: T, options: GuardOptions): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || property === 'constructor') return value;
      let wrapper = wrapped.get(property);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        const name = String(property);
        wrapper = (...args: unknown[]) => guardedCall(object, method, name, args, options);
        wrapped.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

function guardedCall(
  target: object,
  method: (...args: unknown[]) => unknown,
  name: string,
  args: unknown[],
  options: GuardOptions,
): unknown {
  let returned: unknown;
  try {
    returned = method.apply(target, args);
  } catch (error) {
    return Promise.reject(failure(name, error, options));
  }
  const check = SHAPES[options.component]?.[name];
  if (!isPromise(returned)) return check && !check(returned) ? Promise.reject(malformed(name, returned, options)) : returned;
  const deadline = WAITS.has(name) ? Infinity : options.timeoutMs;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer =
      deadline === Infinity
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            const message = `Task ${options.component} unavailable: ${name} did not answer within ${deadline} ms`;
            options.logger.error(`mcp-task-actors: ${message}`);
            reject(internalError(message));
          }, deadline);
    timer?.unref?.();
    returned.then(
      (value) => {
        if (timer) clearTimeout(timer);
        if (!timedOut) return check && !check(value) ? reject(malformed(name, value, options)) : resolve(value);
        if (name === 'create') undoLateCreate(target, args[0] as TaskRecord, options);
        if (name === 'dequeueAll') putBackLateTake(target, args[0], value, options);
      },
      (error: unknown) => {
        if (timer) clearTimeout(timer);
        if (!timedOut) reject(failure(name, error, options));
      },
    );
  });
}

function undoLateCreate(target: object, record: TaskRecord | undefined, options: GuardOptions): void {
  const remove = (target as { delete?: (taskId: string) => Promise<void> }).delete;
  if (!record || typeof remove !== 'function') return;
  remove.call(target, record.taskId).catch((error: unknown) => {
    options.logger.error(`mcp-task-actors: could not remove task ${record.taskId} created after its deadline`, error);
  });
}

/**
 * A take of a task's queue that answered after its deadline: its caller was told it failed and
 * delivers nothing, so what it took goes back to the front of the queue for the next take, where it
 * was lost (a request gone for good: its task input_required until its ttl).
 */
function putBackLateTake(target: object, taskId: unknown, taken: unknown, options: GuardOptions): void {
  const requeue = (target as { requeue?: (taskId: string, messages: unknown[]) => Promise<void> }).requeue;
  if (typeof taskId !== 'string' || !Array.isArray(taken) || taken.length === 0 || typeof requeue !== 'function') return;
  requeue.call(target, taskId, taken).catch((error: unknown) => {
    options.logger.error(`mcp-task-actors: could not put back the messages of task ${taskId} taken after their deadline`, error);
  });
}

function failure(name: string, error: unknown, options: GuardOptions): unknown {
  if (error instanceof McpError || error instanceof InvalidCursorError) return error;
  options.logger.error(`mcp-task-actors: task ${options.component} call ${name} failed`, error);
  return internalError(`Task ${options.component} unavailable: ${name} failed (details in the server log)`);
}

/**
 * An answer the rest of the library cannot use. Not marked {@link isUnavailable}: asking again
 * would most likely get the same answer (callers retry an unavailable backend), so the request
 * fails once with a -32603 that says what happened instead of a TypeError's text or, worse, a
 * response the client's SDK rejects (a record whose `status` is no task status).
 */
function malformed(name: string, value: unknown, options: GuardOptions): McpError {
  options.logger.error(`mcp-task-actors: task ${options.component} call ${name} returned a malformed answer`, value);
  return toMcpError({
    code: ErrorCode.InternalError,
    message: `Task ${options.component} unavailable: ${name} returned a malformed answer (details in the server log)`,
  });
}

type Check = (value: unknown) => boolean;

const STATUSES = new Set<unknown>(['working', 'input_required', 'completed', 'failed', 'cancelled']);

/** What every reader of a record relies on (and what `tasks/get` sends); the optional rest is not looked at. */
function isRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<Record<keyof TaskRecord, unknown>>;
  return (
    typeof record.taskId === 'string' &&
    typeof record.owner === 'string' &&
    STATUSES.has(record.status) &&
    typeof record.createdAt === 'string' &&
    typeof record.lastUpdatedAt === 'string' &&
    typeof record.ttl === 'number' &&
    typeof record.pollInterval === 'number' &&
    (record.statusMessage === undefined || typeof record.statusMessage === 'string')
  );
}

/** `undefined` (or `null`) is "no such task" wherever a record may be missing. */
const recordOrNone: Check = (value) => value === undefined || value === null || isRecord(value);

function isPage(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { tasks, nextCursor } = value as { tasks?: unknown; nextCursor?: unknown };
  return Array.isArray(tasks) && tasks.every(isRecord) && (nextCursor === undefined || typeof nextCursor === 'string');
}

function isOutcome(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const outcome = value as { type?: unknown; result?: unknown; error?: unknown };
  if (outcome.type === 'result') return typeof outcome.result === 'object' && outcome.result !== null;
  if (outcome.type !== 'error' || typeof outcome.error !== 'object' || outcome.error === null) return false;
  const error = outcome.error as { code?: unknown; message?: unknown };
  return Number.isInteger(error.code) && typeof error.message === 'string';
}

function isMessages(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((message: unknown) => {
      const { kind, message: body } = (message ?? {}) as { kind?: unknown; message?: unknown };
      return (kind === 'request' || kind === 'notification') && typeof body === 'object' && body !== null;
    })
  );
}

/** The answers checked, by component and method: the ones the library reads fields of. */
const SHAPES: Record<string, Record<string, Check> | undefined> = {
  store: {
    get: recordOrNone,
    update: recordOrNone,
    settle: recordOrNone,
    list: isPage,
    getOutcome: (value) => value === undefined || value === null || isOutcome(value),
  },
  queue: { dequeueAll: isMessages },
};

// Defined beside the other shared errors, so that the engine may tell them apart too (its enqueue retry).
export { isUnavailable } from '../errors.js';

function internalError(message: string): McpError {
  return unavailableError(message);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
