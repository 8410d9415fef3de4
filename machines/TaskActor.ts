import { Actor } from 'xstate';
import type { ActorOptions, AnyActorLogic, EmittedFrom, Observer, SnapshotFrom, Subscription } from 'xstate';

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
