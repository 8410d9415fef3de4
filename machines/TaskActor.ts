import { Actor, fromTransition } from 'xstate';
import type { ActorOptions, AnyActorLogic, AnyActorRef, EmittedFrom, Observer, Snapshot, SnapshotFrom, Subscription } from 'xstate';

/**
 * The observer set an actor holds until something subscribes: shared by every task actor, so it
 * must stay empty. XState only adds to it in `subscribe`, which {@link TaskActor} overrides; any
 * other add would reach every task actor, so it throws instead.
 */
class NoObservers extends Set<never> {
  override add(): this {
    throw new Error('mcp-task-actors: a task actor added an observer outside subscribe()');
  }
}

/** The emitted-event listener map an actor holds until something listens (see {@link NoObservers}). */
class NoListeners extends Map<never, never> {
  override set(): this {
    throw new Error('mcp-task-actors: a task actor added an event listener outside on()');
  }
}

const NO_OBSERVERS = new NoObservers();
const NO_LISTENERS = new NoListeners();

/** The two fields of XState's Actor that TaskActor shares while they are empty (private in its types). */
interface Listened {
  observers: Set<unknown>;
  eventListeners: Map<unknown, unknown>;
}

/**
 * The XState actor of one task. It is XState's own `Actor` (same logic, options, parent, system,
 * inspection), except that it makes its observer set and emitted-event listener map on first use.
 * XState's constructor makes both for every actor, and nothing subscribes to a task actor unless
 * a user does: with their hash tables they were about 0.34 KB of each live task (issue 14,
 * bench/heapProfile.ts: 3,352 to 3,002 B per working task). Until then the actor holds a shared
 * empty set and map; `subscribe` and `on` give it its own first.
 *
 * Its `options` are also made into an object of one shared shape ({@link withSharedOptions}).
 * @internal
 */
export class TaskActor<TLogic extends AnyActorLogic> extends Actor<TLogic> {
  constructor(logic: TLogic, options?: ActorOptions<TLogic>) {
    super(logic, options);
    withSharedOptions(this);
    // Unconditional: were a later XState to rename these fields, the two would only be unused.
    const fields = this as unknown as Listened;
    fields.observers = NO_OBSERVERS;
    fields.eventListeners = NO_LISTENERS;
  }

  override subscribe(observer: Observer<SnapshotFrom<TLogic>>): Subscription;
  override subscribe(
    nextListener?: (snapshot: SnapshotFrom<TLogic>) => void,
    errorListener?: (error: unknown) => void,
    completeListener?: () => void,
  ): Subscription;
  override subscribe(
    nextOrObserver?: Observer<SnapshotFrom<TLogic>> | ((snapshot: SnapshotFrom<TLogic>) => void),
    errorListener?: (error: unknown) => void,
    completeListener?: () => void,
  ): Subscription {
    const fields = this as unknown as Listened;
    if (fields.observers === NO_OBSERVERS) fields.observers = new Set();
    return super.subscribe(nextOrObserver as (snapshot: SnapshotFrom<TLogic>) => void, errorListener, completeListener);
  }

  override on<TType extends EmittedFrom<TLogic>['type'] | '*'>(
    type: TType,
    handler: (emitted: EmittedFrom<TLogic> & (TType extends '*' ? unknown : { type: TType })) => void,
  ): Subscription {
    const fields = this as unknown as Listened;
    if (fields.eventListeners === NO_LISTENERS) fields.eventListeners = new Map();
    return super.on(type, handler);
  }
}

/**
 * XState's `_complete` (private in its types), which a task actor runs when it ends: it walks the
 * observer set, then clears both it and the listener map. For a task actor still holding the shared
 * empty ones, that walk goes through a `Set` subclass, off V8's fast path for built-in sets (about
 * 8 % of retiring a bare actor at 100,000 live, bench/workloads/floor.ts); with nothing in either
 * there is nothing to complete or clear. Left as XState's when a later XState renames it.
 */
const xstateComplete = (Actor.prototype as unknown as { _complete?: (this: Listened) => void })._complete;
if (typeof xstateComplete === 'function') {
  Object.defineProperty(TaskActor.prototype, '_complete', {
    configurable: true,
    writable: true,
    value: function _complete(this: Listened): void {
      if (this.observers.size === 0 && this.eventListeners.size === 0) return;
      xstateComplete.call(this);
    },
  });
}

/** The keys of a task actor's options as XState resolves them (its defaults, then ours), in order. */
const OPTION_KEYS = ['clock', 'logger', 'devTools', 'id', 'parent', 'snapshot'];

/** Whether `options` has exactly {@link OPTION_KEYS}, in order (no array or string made per task). */
function hasTaskOptionKeys(options: object): boolean {
  let i = 0;
  for (const key in options) if (key !== OPTION_KEYS[i++]) return false;
  return i === OPTION_KEYS.length;
}

/**
 * The actor, its `options` replaced by an equal object of one shared shape. On Node 20 (V8 11.3)
 * every object made by a spread and more (`{ ...defaults, ...options }`, as XState's Actor makes
 * its options) gets a hidden class of its own after the first few: about 0.25 KB per live task
 * (bench/heapProfile.ts: a Map and its DescriptorArray per task). XState only reads the options
 * after construction. Any other set of keys is left as XState made it.
 * @internal
 */
export function withSharedOptions<T extends { options: unknown }>(ref: T): T {
  const options = ref.options as Record<string, unknown>;
  if (!hasTaskOptionKeys(options)) return ref;
  const { clock, logger, devTools, id, parent, snapshot } = options;
  (ref as { options: unknown }).options = { clock, logger, devTools, id, parent, snapshot };
  return ref;
}

/** XState's Actor fields this file sets, private in its types. */
interface ActorFields {
  logic: unknown;
  _snapshot: unknown;
  clock: unknown;
  options: unknown;
  id: string;
  mailbox: unknown;
  observers: Set<unknown>;
  eventListeners: Map<string, Set<(event: unknown) => void>>;
  logger: unknown;
  _processingStatus: number;
  _parent: AnyActorRef | undefined;
  _syncSnapshot: unknown;
  ref: unknown;
  _actorScope: unknown;
  systemId: string | undefined;
  sessionId: string;
  system: { _bookId(): string; _logger: unknown; _clock: unknown; _sendInspectionEvent(event: object): void };
  _doneEvent: unknown;
  src: unknown;
  _deferred: (() => void)[];
  send: (event: unknown) => void;
  _process(event: unknown): void;
  _stop(): unknown;
  _initState(snapshot: unknown): void;
}

/** What the fast path copies from XState's own constructor, read once from an actor it made. */
interface Mould {
  Mailbox: new (process: (event: unknown) => void) => unknown;
  clock: unknown;
  logger: unknown;
  devTools: unknown;
}

/** XState 5.33's Actor fields, scope keys and mailbox fields, each in the order it makes them. */
const ACTOR_KEYS =
  'logic,_snapshot,clock,options,id,mailbox,observers,eventListeners,logger,_processingStatus,_parent,' +
  '_syncSnapshot,ref,_actorScope,systemId,sessionId,system,_doneEvent,src,_deferred,send';
const SCOPE_KEYS = 'self,id,sessionId,logger,defer,system,stopChild,emit,actionExecutor';
const MAILBOX_KEYS = '_process,_active,_current,_last';

/**
 * XState's constructor as {@link taskActor} repeats it, read from one actor it made (a root actor
 * of its own system, so no inspector sees it), or undefined when that actor is laid out otherwise
 * than the XState this was written against: then every task actor is made by XState's constructor.
 */
function readMould(): Mould | undefined {
  const probe = new Actor(fromTransition((state: undefined) => state, undefined));
  const fields = probe as unknown as ActorFields;
  const options = fields.options as Record<string, unknown>;
  const keys = (value: object): string => Object.keys(value).join(',');
  if (keys(probe) !== ACTOR_KEYS || keys(fields._actorScope as object) !== SCOPE_KEYS) return undefined;
  if (keys(fields.mailbox as object) !== MAILBOX_KEYS || keys(options) !== 'clock,logger,devTools') return undefined;
  const Mailbox = (fields.mailbox as { constructor: Mould['Mailbox'] }).constructor;
  return { Mailbox, clock: options.clock, logger: options.logger, devTools: options.devTools };
}

const MOULD = readMould();

/**
 * The scope of a task actor made by {@link taskActor}: XState's scope with its `defer`,
 * `stopChild` and `emit` as shared methods instead of three closures per actor (about 0.2 KB of
 * each live task). XState calls all three as methods of the scope; `actionExecutor` stays a
 * closure, because a microstep wraps it and calls the original detached.
 */
class TaskScope {
  constructor(
    readonly self: ActorFields,
    readonly id: string,
    readonly sessionId: string,
    readonly logger: unknown,
    readonly system: ActorFields['system'],
    public actionExecutor: (action: ExecutableAction) => void,
  ) {}

  defer(fn: () => void): void {
    this.self._deferred.push(fn);
  }

  stopChild(child: ActorFields): void {
    if (child._parent !== (this.self as unknown)) {
      throw new Error(`Cannot stop child actor ${child.id} of ${this.id} because it is not a child`);
    }
    child._stop();
  }

  emit(emitted: { type: string }): void {
    const { eventListeners } = this.self;
    const listeners = eventListeners.get(emitted.type);
    const wildcard = eventListeners.get('*');
    if (!listeners && !wildcard) return;
    for (const handler of [...(listeners?.values() ?? []), ...(wildcard?.values() ?? [])]) {
      try {
        handler(emitted);
      } catch (error) {
        // As XState reports an error thrown by a listener: thrown on its own, later.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }
}

/** An action as XState hands it to an actor's `actionExecutor`. */
interface ExecutableAction {
  type: string;
  params: unknown;
  info: unknown;
  exec?: (info: unknown, params: unknown) => void;
}

/** XState's `ProcessingStatus.Running`. */
const RUNNING = 1;

/**
 * A task actor, made as XState's `Actor` constructor makes a child actor with these options,
 * without calling it. That constructor builds the actor's options as
 * `{ ...defaultOptions, ...options }`, which on Node 20 (V8 11.3) makes a new hidden class per
 * actor: about 4 µs and an old-space map and descriptor array of garbage per task (issue 14; the
 * Actor constructor was 14 % of the CPU of creating 100,000 live tasks). Here the options are
 * one shape from the start, the scope shares three of its functions ({@link TaskScope}), and the
 * observer set and listener map are the shared empty ones ({@link TaskActor}). The fields, their
 * order and everything else are XState's; when the installed XState lays its actors out
 * otherwise ({@link readMould}), this is XState's constructor. One difference: XState's
 * development build warns when a custom action calls an action creator such as `assign`
 * (it flags actions while they run); the task machine's actions are the engine's and call none.
 * @internal
 */
export function taskActor<TLogic extends AnyActorLogic>(
  logic: TLogic,
  id: string,
  parent: AnyActorRef,
  snapshot: Snapshot<unknown> | undefined,
): TaskActor<TLogic> {
  if (!MOULD) return new TaskActor(logic, { id, parent, snapshot });
  const a = new TaskActorFields(MOULD, logic, id, parent as unknown as ActorFields, snapshot);
  a._actorScope = new TaskScope(a, id, a.sessionId, a.logger, a.system, executor(a));
  a.system._sendInspectionEvent({ type: '@xstate.actor', actorRef: a });
  a._initState(snapshot);
  return a as unknown as TaskActor<TLogic>;
}

/**
 * The fields of a task actor, in XState's order. A plain function called with `new` (its
 * prototype is TaskActor's), not `Object.create`: V8 sizes the objects a function makes by the
 * fields it sets, so all 21 sit in the object itself instead of an extra property array.
 */
const TaskActorFields = function (
  this: ActorFields,
  mould: Mould,
  logic: AnyActorLogic,
  id: string,
  parent: ActorFields,
  snapshot: Snapshot<unknown> | undefined,
): void {
  const system = parent.system;
  this.logic = logic;
  this._snapshot = undefined;
  this.clock = system._clock;
  this.options = { clock: mould.clock, logger: mould.logger, devTools: mould.devTools, id, parent, snapshot };
  this.id = id;
  this.mailbox = new mould.Mailbox(this._process.bind(this));
  this.observers = NO_OBSERVERS;
  this.eventListeners = NO_LISTENERS;
  this.logger = system._logger;
  this._processingStatus = 0;
  this._parent = parent as unknown as AnyActorRef;
  this._syncSnapshot = undefined;
  this.ref = this;
  this._actorScope = undefined;
  this.systemId = undefined;
  this.sessionId = system._bookId();
  this.system = system;
  this._doneEvent = undefined;
  this.src = logic;
  this._deferred = [];
  this.send = this.send.bind(this);
} as unknown as new (
  mould: Mould,
  logic: AnyActorLogic,
  id: string,
  parent: ActorFields,
  snapshot: Snapshot<unknown> | undefined,
) => ActorFields;
(TaskActorFields as unknown as { prototype: unknown }).prototype = TaskActor.prototype;

/** The actor's `actionExecutor`, as XState's: run now while the actor runs, else once it starts. Holds only the actor. */
function executor(a: ActorFields): (action: ExecutableAction) => void {
  // A closure only for an action deferred until the actor starts: a running actor's actions (a
  // settle on every cancel) run at once.
  return (action) => {
    if (a._processingStatus === RUNNING) execute(a, action);
    else a._deferred.push(() => execute(a, action));
  };
}

function execute(a: ActorFields, action: ExecutableAction): void {
  a.system._sendInspectionEvent({ type: '@xstate.action', actorRef: a, action: { type: action.type, params: action.params } });
  action.exec?.(action.info, action.params);
}
