import { ErrorCode, McpError } from '../wire.js';
import { InvalidCursorError } from './TaskStore.js';
import type { TaskRecord } from '../types.js';
import { toMcpError } from '../errors.js';

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
 * - a `create` that answers after its deadline is undone (`delete`), since its caller was told it failed.
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
  if (!isPromise(returned)) return returned;
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
        if (!timedOut) return resolve(value);
        if (name === 'create') undoLateCreate(target, args[0] as TaskRecord, options);
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

function failure(name: string, error: unknown, options: GuardOptions): unknown {
  if (error instanceof McpError || error instanceof InvalidCursorError) return error;
  options.logger.error(`mcp-task-actors: task ${options.component} call ${name} failed`, error);
  return internalError(`Task ${options.component} unavailable: ${name} failed (details in the server log)`);
}

/** Errors this guard made: the backend failed or did not answer (not a client's mistake). */
const unavailable = new WeakSet<object>();

/**
 * Whether `error` is this guard's "task store/queue unavailable" -32603 (the backend threw or
 * missed its deadline), i.e. a fault that may pass (Redis restarting) rather than an answer.
 * @internal
 */
export function isUnavailable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && unavailable.has(error);
}

function internalError(message: string): McpError {
  const error = toMcpError({ code: ErrorCode.InternalError, message });
  unavailable.add(error);
  return error;
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
