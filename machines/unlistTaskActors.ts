import type { AnyActorRef } from 'xstate';
import { TaskActor } from './TaskActor.js';

/** The two methods of XState's actor system (private in its types) that keep its actor registry. */
interface Registry {
  _register(sessionId: string, actorRef: AnyActorRef): string;
  _unregister(actorRef: AnyActorRef): void;
}

/** The keys of XState 5.33's system object, in order: the layout whose registry nothing reads. */
const SYSTEM_KEYS =
  '_snapshot,_bookId,_register,_unregister,get,getAll,_set,inspect,_sendInspectionEvent,_relay,scheduler,getSnapshot,start,_clock,_logger';

const unlisted = new WeakSet<object>();

/**
 * Keeps task actors out of the registry of the actor system they run in. XState 5.33's system adds
 * every actor it starts to a Map by session id and deletes it when the actor stops, and nothing
 * reads that Map: `system.get` looks up actors by `systemId`, in a map of its own, which this leaves
 * as it is. At 100,000 live tasks the two writes were about 9 % of starting and retiring a bare actor
 * (bench/workloads/floor.ts), and the Map an entry per live task. Any other actor (the root, the
 * supervisor, an actor a task spawns) is registered as before, and so is a task actor with a
 * `systemId`. Done once per system; left as XState's when the system is laid out otherwise than
 * 5.33's, where a method added later might read the registry.
 * @internal
 */
export function unlistTaskActors(system: object): void {
  if (unlisted.has(system) || Object.keys(system).join(',') !== SYSTEM_KEYS) return;
  unlisted.add(system);
  const registry = system as Registry;
  const { _register: register, _unregister: unregister } = registry;
  registry._register = (sessionId, actorRef) =>
    actorRef instanceof TaskActor && actorRef.systemId === undefined ? sessionId : register(sessionId, actorRef);
  registry._unregister = (actorRef) => {
    if (!(actorRef instanceof TaskActor) || actorRef.systemId !== undefined) unregister(actorRef);
  };
}
