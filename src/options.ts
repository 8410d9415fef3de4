import type { TaskPlacement } from './backends/TaskPlacement.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { TaskCluster } from './backends/TaskCluster.js';
import type { TaskOutbox } from './backends/TaskMessageQueue.js';
import type { TaskRecordStore } from './backends/TaskStore.js';
import type { ErrorMapper } from './engine/errorMapping.js';
import type { TaskLimits } from './engine/limits.js';
import type { InspectionObserver, InspectionSanitizer } from './inspect/inspection.js';
import type { CallerInfo, UnidentifiedCallers } from './session/caller.js';

/** Options of `TaskSupport`; every field has a default. */
export interface TaskSupportOptions {
  /**
   * Where records and results live. Default: a new `InMemoryTaskRecordStore`. Not the SDK's
   * `TaskStore` (refused with a TypeError: see docs/migrating.md).
   */
  store?: TaskRecordStore;
  /** Where messages for the client wait to be carried. Default: a new `InMemoryTaskOutbox`. Not the SDK's `TaskMessageQueue`. */
  queue?: TaskOutbox;
  /** ttl (ms) granted when the client asks for none. Default 1 hour. */
  defaultTtl?: number;
  /** Largest ttl (ms) granted; larger requests get this. Default 24 hours. */
  maxTtl?: number;
  /**
   * Smallest ttl (ms) granted; smaller requests (`ttl: 0` included) get this, and the granted ttl
   * is what `CreateTaskResult` and `tasks/get` report. Default 1000: a task never vanishes before
   * a client polling at the default `pollInterval` could see it once.
   */
  minTtl?: number;
  /** `pollInterval` (ms) suggested to clients. Default 1000. */
  pollInterval?: number;
  /** `tasks/list` page size. Default 10, like both reference SDKs. */
  pageSize?: number;
  /** Who a request's caller is, for binding tasks to it. Default: auth principal, else session, else connection. */
  identify?: (caller: CallerInfo) => string;
  /**
   * An XState inspection observer: the root actor and every task actor report to it, through
   * `sanitize`. `true` starts the Stately inspector relay on `inspectPort` (Node only; needs
   * `@statelyai/inspect`), logs the page to open and stops it on `close()`; if the relay cannot
   * start (e.g. the port is taken) a warning names the address and the server serves on without
   * it. Off (the default) costs nothing: no observer, no serialisation.
   */
  inspect?: InspectionObserver | true;
  /**
   * Port of the Stately relay that `inspect: true` starts (loopback only). Default 8080; 0 picks a
   * free one. A whole number from 0 to 65535: anything else throws a RangeError at construction.
   */
  inspectPort?: number;
  /**
   * What the inspector may see. Default: actor, event and snapshot events only, with tool results,
   * client answers and errors redacted to their shape and size. `false` passes XState's raw events.
   */
  sanitize?: InspectionSanitizer | false;
  /** Where warnings (e.g. an answer nobody waits for) go. Default: `console`. */
  logger?: Pick<Console, 'warn' | 'error'>;
  /**
   * Live tasks per caller and per server, memory budget, rates of task creation and `tasks/*`
   * requests, input requests and notifications per task, result size, pollInterval floor. See `docs/limits.md`.
   */
  limits?: TaskLimits;
  /**
   * Longest a store or queue call may take (ms) before the request or task step that made it
   * fails with -32603; `Infinity` waits forever. Default 5000. Backend errors never reach clients:
   * they are logged and answered with a generic -32603. Applies to a `store` / `queue` passed in;
   * the default in-memory ones answer synchronously and are not wrapped.
   */
  storeTimeout?: number;
  /**
   * Maps what a tool's work throws before any client sees it (e.g. hide internal messages). Default:
   * the message as is. Not called for a throw that comes after its task ended (cancelled, expired).
   */
  mapError?: ErrorMapper;
  /**
   * Callers with neither a session nor an auth context (stateless HTTP): `'auto'` (default) makes
   * them anonymous over HTTP — task ids become the only capability and `tasks/list` is not
   * advertised — and binds stdio/in-memory callers to their connection. See `docs/security.md`.
   */
  unidentifiedCallers?: UnidentifiedCallers;
  /**
   * The capabilities a 2025-11-25 client is taken to have declared when the connection of its
   * `tools/call` never carried an `initialize` (stateless Streamable HTTP: each request is a
   * connection of its own, so the server cannot know what the client declared). A task of such a
   * caller may then elicit and sample: the request reaches the client on a `tasks/result` stream and
   * its answer comes back as a POST of its own, which counts only from the task's owner (see
   * docs/redis.md, "Stateless serving"). Default none: `elicit`/`createMessage` throw
   * `MissingClientCapabilityError` there. Inline calls never use it (their answer could not come back).
   */
  statelessClientCapabilities?: ClientCapabilities;
  /**
   * Shares tasks between server instances (e.g. `createRedisTaskBackend(...).cluster` from
   * `mcp-task-actors/redis`): any instance serves any task, dead instances' tasks are taken over.
   */
  cluster?: TaskCluster;
  /**
   * Runs task work on a worker pool instead of in the process that received the `tools/call`
   * (e.g. `createWorkerPool(...)` from `mcp-task-actors/bullmq`; needs `cluster`). A front's
   * placement dispatches; a worker's runs jobs of the task tools registered on it, which must be
   * the same tools as the front's. Default: in-process placement.
   */
  placement?: TaskPlacement;
  /**
   * Also speak the tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) to requests that
   * carry per-request client capabilities (2026-style clients). Default true. See `docs/protocols.md`.
   */
  tasksExtension?: boolean;
  /** For extension clients: ms an `optional` tool runs inline before its call is answered with a task. Default 1000. */
  promoteAfter?: number;
}

/**
 * A whole number (of ms, or `pageSize`) that must be positive and at most `Number.MAX_SAFE_INTEGER`;
 * RangeError naming the option otherwise. Whole: a fraction passed in-memory but broke Redis
 * (`defaultTtl: 1500.5` made every expiry a `PEXPIREAT` that Redis refuses, so every task creation
 * failed -32603) and made `pageSize: 2.5` list every task on one page. Safe: a larger one is written
 * in exponent form (`1e+21`), which Redis refuses as well, as an expiry (`maxTtl: 1e21` failed every
 * creation) and as a count (`pageSize: 1e300` failed every `tasks/list`).
 * @internal
 */
export function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    const what = name === 'pageSize' ? '' : ' of ms';
    throw new RangeError(`${name} must be a positive whole number${what} up to ${Number.MAX_SAFE_INTEGER}, got ${String(value)}`);
  }
  return value;
}

/** `promoteAfter` (ms): defaults to 1000 and may be 0. @internal */
export function promoteAfterOf(promoteAfter: number | undefined): number {
  const ms = promoteAfter ?? 1000;
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`promoteAfter must be a number of ms >= 0, got ${ms}`);
  return ms;
}

/**
 * Refuses the SDK's own experimental task store or message queue, recognised by shape (its
 * `createTask`/`storeTaskResult`, its `dequeue`), with the fix in the message: they share the old
 * names of this library's contracts but not their interface, and would fail only at the first task.
 * @internal
 */
export function assertOwnBackends(options: Pick<TaskSupportOptions, 'store' | 'queue'>): void {
  const store = options.store as object | undefined;
  if (store && 'storeTaskResult' in store && 'createTask' in store && !('settle' in store)) {
    throw new TypeError(
      "mcp-task-actors: options.store is the SDK's TaskStore (experimental tasks); TaskSupport keeps tasks in a TaskRecordStore: " +
        'leave store out (in memory) or pass createRedisTaskBackend(...).store (docs/migrating.md)',
    );
  }
  const queue = options.queue as object | undefined;
  if (queue && 'dequeue' in queue && !('requeue' in queue)) {
    throw new TypeError(
      "mcp-task-actors: options.queue is the SDK's TaskMessageQueue (experimental tasks); TaskSupport needs a TaskOutbox: " +
        'leave queue out (in memory) or pass createRedisTaskBackend(...).queue (docs/migrating.md)',
    );
  }
}

/**
 * Refuses a worker-pool `placement` without a `cluster`, before the constructor starts anything:
 * TaskEngine found it only after `inspect: true` had started the Stately relay, whose port the
 * throwing constructor then left open with no handle to close it.
 * @internal
 */
export function assertPlacementCluster(options: Pick<TaskSupportOptions, 'placement' | 'cluster'>): void {
  if (options.placement && !options.cluster) {
    throw new TypeError(
      'mcp-task-actors: options.placement (a worker pool) needs options.cluster, e.g. createRedisTaskBackend(...).cluster: ' +
        'its tasks are stored where every front and worker reads them',
    );
  }
}

/**
 * The task ttls and poll interval the options ask for, checked (RangeError naming the option);
 * the poll interval raised to the `minPollInterval` limit.
 * @internal
 */
export function taskTimesOf(
  options: Pick<TaskSupportOptions, 'maxTtl' | 'minTtl' | 'defaultTtl' | 'pollInterval'>,
  minPollInterval: number,
): { maxTtl: number; minTtl: number; defaultTtl: number; pollInterval: number } {
  const maxTtl = positive(options.maxTtl ?? 86_400_000, 'maxTtl');
  const minTtl = options.minTtl ?? 1000;
  // Whole: a fraction broke Redis's expiry (PEXPIREAT takes whole ms), as defaultTtl's did.
  if (!(Number.isInteger(minTtl) && minTtl >= 0 && minTtl <= maxTtl))
    throw new RangeError(`minTtl must be a whole number of ms from 0 to maxTtl (${maxTtl}), got ${minTtl}`);
  const defaultTtl = positive(options.defaultTtl ?? 3_600_000, 'defaultTtl');
  const pollInterval = Math.max(positive(options.pollInterval ?? 1000, 'pollInterval'), minPollInterval);
  return { maxTtl, minTtl, defaultTtl, pollInterval };
}
