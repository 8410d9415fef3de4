import type { AnyEventObject, InspectedEventEvent, InspectedSnapshotEvent, InspectionEvent, Observer, Snapshot } from 'xstate';
import { InspectionGuard } from './InspectionGuard.js';
import { inspectPortOf } from './inspectPortOf.js';
import { lazyStatelyInspector } from './lazyStatelyInspector.js';
import type { InspectionSetup } from './lazyStatelyInspector.js';

export type { InspectionSetup } from './lazyStatelyInspector.js';

/** An XState inspection observer, as `createActor`'s `inspect` option takes it. */
export type InspectionObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/**
 * Hooks deciding what of the actor system an inspector may see. Every hook left out keeps its
 * default: only `@xstate.actor`, `@xstate.event` and `@xstate.snapshot` pass, and tool results,
 * client answers (elicitation contents, sampling replies), errors and anything else not known to be
 * safe are replaced by their shape and size (see {@link redactValue}).
 */
export interface InspectionSanitizer {
  /** Which inspection events reach the inspector at all. Default: {@link defaultInspectionFilter}. */
  filter?: (event: InspectionEvent) => boolean;
  /** What an inspector sees of an event sent to an actor. Default: {@link redactEvent}. */
  event?: (event: AnyEventObject) => AnyEventObject;
  /** What an inspector sees of an actor's snapshot. Default: {@link redactSnapshot}. */
  snapshot?: (snapshot: Snapshot<unknown>) => Snapshot<unknown>;
}

/**
 * The default filter: actor registrations, events and snapshots. `@xstate.action` and
 * `@xstate.microstep` are left out because their params and transitions carry tool results
 * verbatim, and they would double the traffic without telling a viewer anything new.
 */
export function defaultInspectionFilter(event: InspectionEvent): boolean {
  return event.type === '@xstate.snapshot' || event.type === '@xstate.event' || event.type === '@xstate.actor';
}

/** Keys whose primitive values are ids, statuses, status texts and tool names, never user data. */
const KEPT_KEYS = new Set([
  'type',
  'taskId',
  'tool',
  'requestId',
  'actorId',
  'reason',
  'message',
  'status',
  'live',
  'closing',
  'waitingFor',
]);
/** Keys holding envelopes whose own keys are judged one by one (a routed task event, an actor's input). */
const OPENED_KEYS = new Set(['event', 'input', 'context']);
const MAX_DEPTH = 4;

/**
 * Replaces a value by a description of its shape and size, e.g.
 * `[redacted object{action: string(6), content: object{approved: boolean}}, 45 bytes]`.
 * String contents, numbers and booleans never appear; keys of objects do (they are schema names).
 */
export function redactValue(value: unknown): string {
  let size = '';
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) size = `, ${Buffer.byteLength(json)} bytes`;
  } catch {
    // Circular or BigInt: the shape alone still tells the viewer what was there.
  }
  return `[redacted ${shapeOf(value, 0)}${size}]`;
}

function shapeOf(value: unknown, depth: number): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string(${value.length})`;
  if (typeof value !== 'object') return typeof value;
  if (value instanceof Error) return `${value.name}(message: string(${value.message.length}))`;
  if (Array.isArray(value)) {
    if (value.length === 0 || depth >= 3) return `array(${value.length})`;
    return `array(${value.length})[${shapeOf(value[0], depth + 1)}${value.length > 1 ? ', …' : ''}]`;
  }
  if (depth >= 3) return 'object{…}';
  const keys = Object.keys(value);
  const shown = keys.slice(0, 8).map((key) => `${key}: ${shapeOf((value as Record<string, unknown>)[key], depth + 1)}`);
  if (keys.length > shown.length) shown.push(`…${keys.length - shown.length} more`);
  return `object{${shown.join(', ')}}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isKeptValue(value: unknown): boolean {
  return isPrimitive(value) || (Array.isArray(value) && value.every(isPrimitive));
}

/** Keeps the known-safe keys of a record, opens envelopes, redacts everything else. */
function sanitizeRecord(record: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined) continue;
    if (KEPT_KEYS.has(key) && isKeptValue(value)) out[key] = value;
    else if (OPENED_KEYS.has(key) && isObject(value) && depth < MAX_DEPTH) out[key] = sanitizeRecord(value, depth + 1);
    else out[key] = redactValue(value);
  }
  return out;
}

/**
 * The default event hook: keeps the event's type and its ids, statuses and status texts
 * (`taskId`, `requestId`, `message` of `work.status`, `reason` of `cancel`…), opens the envelope of
 * routed events (`task.send`'s `event`), and redacts the rest: `input.response`'s `result`,
 * `input.error`'s `error`, done events' `output`.
 */
export function redactEvent(event: AnyEventObject): AnyEventObject {
  return sanitizeRecord(event, 0) as AnyEventObject;
}

/**
 * The default snapshot hook: status and state value as they are, context and input through the
 * same rules as events, `output` and `error` redacted, child actors as references only.
 */
export function redactSnapshot(snapshot: Snapshot<unknown>): Snapshot<unknown> {
  const raw = snapshot as Snapshot<unknown> & { value?: unknown; context?: unknown; input?: unknown; children?: unknown };
  const out: Record<string, unknown> = {
    status: raw.status,
    output: raw.output === undefined ? undefined : redactValue(raw.output),
    error: raw.error === undefined ? undefined : redactValue(raw.error),
  };
  if ('value' in raw) out['value'] = raw.value;
  if (raw.context !== undefined) out['context'] = isObject(raw.context) ? sanitizeRecord(raw.context, 1) : redactValue(raw.context);
  if (raw.input !== undefined) out['input'] = isObject(raw.input) ? sanitizeRecord(raw.input, 1) : redactValue(raw.input);
  if (isObject(raw.children)) {
    const children: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(raw.children)) children[key] = { id: (child as { id?: unknown }).id };
    out['children'] = children;
  }
  return out as Snapshot<unknown>;
}

type ActorLike = InspectionEvent['actorRef'];

interface Cleaners {
  event(event: AnyEventObject): AnyEventObject;
  snapshot(snapshot: Snapshot<unknown>): Snapshot<unknown>;
}

/*
 * What an observer receives. One small object per event: the raw event and snapshot sit in
 * private fields (invisible to spreading, walking and JSON), the sanitised ones are computed on
 * first read of `event`/`snapshot` (prototype getters; `toJSON` includes them). Fewer, smaller
 * allocations per event matter here: this runs for every inspection event of every task.
 */

class SanitizedSnapshotEvent implements InspectedSnapshotEvent {
  readonly type = '@xstate.snapshot' as const;
  #rawEvent: AnyEventObject;
  #rawSnapshot: Snapshot<unknown>;
  #cleaners: Cleaners;
  #event: AnyEventObject | undefined;
  #snapshot: Snapshot<unknown> | undefined;
  constructor(
    readonly rootId: string,
    readonly actorRef: ActorLike,
    raw: InspectedSnapshotEvent,
    cleaners: Cleaners,
  ) {
    this.#rawEvent = raw.event;
    this.#rawSnapshot = raw.snapshot;
    this.#cleaners = cleaners;
  }
  get event(): AnyEventObject {
    return (this.#event ??= this.#cleaners.event(this.#rawEvent));
  }
  get snapshot(): Snapshot<unknown> {
    return (this.#snapshot ??= this.#cleaners.snapshot(this.#rawSnapshot));
  }
  toJSON() {
    return { type: this.type, rootId: this.rootId, actorRef: this.actorRef, event: this.event, snapshot: this.snapshot };
  }
}

class SanitizedEventEvent implements InspectedEventEvent {
  readonly type = '@xstate.event' as const;
  #rawEvent: AnyEventObject;
  #cleaners: Cleaners;
  #event: AnyEventObject | undefined;
  constructor(
    readonly rootId: string,
    readonly actorRef: ActorLike,
    readonly sourceRef: ActorLike | undefined,
    rawEvent: AnyEventObject,
    cleaners: Cleaners,
  ) {
    this.#rawEvent = rawEvent;
    this.#cleaners = cleaners;
  }
  get event(): AnyEventObject {
    return (this.#event ??= this.#cleaners.event(this.#rawEvent));
  }
  toJSON() {
    return { type: this.type, rootId: this.rootId, actorRef: this.actorRef, sourceRef: this.sourceRef, event: this.event };
  }
}

/**
 * Wraps an inspection observer so it sees only what `sanitizer` lets through. Events that pass
 * the filter are rebuilt with lazily sanitized `event`/`snapshot`, and actor references are
 * wrapped so `getSnapshot()` — which inspectors read for `@xstate.actor` — returns the sanitized
 * snapshot as well. `event` and `snapshot` are getters: read them (or `JSON.stringify` the event)
 * rather than spreading the event object. A hook or `target` that throws never reaches the actors
 * (see InspectionGuard.ts): its first error goes to `logger.error`.
 */
export function sanitizeInspection(
  target: InspectionObserver,
  sanitizer: InspectionSanitizer = {},
  logger: Pick<Console, 'error'> = console,
): Observer<InspectionEvent> {
  const guard = new InspectionGuard(logger);
  const observer = guard.observer(typeof target === 'function' ? { next: target } : target);
  const filter = guard.filter(sanitizer.filter ?? defaultInspectionFilter);
  const cleaners: Cleaners = {
    event: guard.event(sanitizer.event ?? redactEvent),
    snapshot: guard.snapshot(sanitizer.snapshot ?? redactSnapshot),
  };
  const refs = new WeakMap<object, ActorLike>();

  // One handler for every wrapped actor: it reads the actor from its `target` argument.
  const handler: ProxyHandler<ActorLike> = {
    get(actor, key) {
      if (key === 'getSnapshot') {
        return () => {
          const snapshot = actor.getSnapshot() as Snapshot<unknown> | undefined;
          // Undefined while the actor is still being constructed (XState announces it first).
          return snapshot === undefined ? undefined : cleaners.snapshot(snapshot);
        };
      }
      if (key === '_parent') return wrapRef((actor as { _parent?: ActorLike })._parent);
      const value: unknown = Reflect.get(actor, key, actor);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(actor) : value;
    },
  };
  function wrapRef<T extends ActorLike | undefined>(ref: T): T {
    if (ref === undefined || ref === null) return ref;
    let wrapped = refs.get(ref);
    if (!wrapped) {
      wrapped = new Proxy(ref, handler);
      refs.set(ref, wrapped);
    }
    return wrapped as T;
  }

  const rebuild = (event: InspectionEvent): InspectionEvent => {
    switch (event.type) {
      case '@xstate.snapshot':
        return new SanitizedSnapshotEvent(event.rootId, wrapRef(event.actorRef), event, cleaners);
      case '@xstate.event':
        return new SanitizedEventEvent(event.rootId, wrapRef(event.actorRef), wrapRef(event.sourceRef), event.event, cleaners);
      case '@xstate.actor':
        return { type: event.type, rootId: event.rootId, actorRef: wrapRef(event.actorRef) };
      // Only reached through a custom filter. Their payloads hold action params (tool results)
      // and transition definitions verbatim: sanitised eagerly, transitions left out.
      case '@xstate.transition':
      case '@xstate.microstep':
        return {
          type: event.type,
          rootId: event.rootId,
          actorRef: wrapRef(event.actorRef),
          event: cleaners.event(event.event),
          snapshot: cleaners.snapshot(event.snapshot),
          ...(event.type === '@xstate.microstep' ? { _transitions: [] } : {}),
        } as InspectionEvent;
      case '@xstate.action':
        return {
          type: event.type,
          rootId: event.rootId,
          actorRef: wrapRef(event.actorRef),
          action: { type: event.action.type, params: event.action.params === undefined ? undefined : redactValue(event.action.params) },
        };
    }
  };

  return {
    next: (event) => {
      if (filter(event)) observer.next!(rebuild(event));
    },
    error: (error) => observer.error?.(error),
    complete: () => observer.complete?.(),
  };
}

/**
 * Resolves TaskSupport's `inspect`/`sanitize`/`inspectPort` options. Off means no observer at all, so
 * XState has nobody to report to and nothing is wrapped or serialised. `true` starts the Stately
 * inspector relay (Node only, loaded on demand so the main entry stays free of it). An `inspectPort`
 * that is no port is refused here, before anything started (see inspectPortOf.ts).
 * @internal
 */
export function setUpInspection(
  inspect: InspectionObserver | true | undefined,
  sanitize: InspectionSanitizer | false | undefined,
  logger: Pick<Console, 'warn' | 'error'>,
  statelyPort?: number,
): InspectionSetup {
  const port = inspectPortOf(statelyPort);
  if (!inspect) return { observer: undefined, stop: async () => {} };
  const guard = (target: InspectionObserver): Observer<InspectionEvent> =>
    sanitize === false
      ? new InspectionGuard(logger).observer(typeof target === 'function' ? { next: target } : target)
      : sanitizeInspection(target, sanitize, logger);
  if (inspect !== true) return { observer: guard(inspect), stop: async () => {} };
  return lazyStatelyInspector(guard, logger, port);
}
