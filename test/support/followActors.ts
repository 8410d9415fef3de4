import type { AnyActorRef, InspectionEvent } from 'xstate';

/**
 * A TaskSupport `inspect` observer that collects each client-task follow actor
 * (machines/clientTask.ts, ids `clientTask-…`) into `actors` as it is made: what the client-task
 * tests count and look into.
 */
export function collectFollows(actors: AnyActorRef[]): (event: InspectionEvent) => void {
  return (event) => {
    const actor = event.actorRef as AnyActorRef;
    if (event.type === '@xstate.actor' && actor.id.startsWith('clientTask-')) actors.push(actor);
  };
}
