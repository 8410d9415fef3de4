import { workEventTypes } from '../taskModel.js';

/** The protocol a path speaks: MCP 2025-11-25 tasks, or the tasks extension (`tasks/get` + `tasks/update`). */
export type ProtocolBinding = 'rev2025-11-25' | 'extension';
/** In memory (one instance), or Redis with two instances that each step picks from at random. */
export type Backend = 'memory' | 'redis';
/** How the work's input requests reach the client. */
export type InputKind = 'elicitation' | 'sampling';
/** The SDK line the servers are built on (the client is SDK v1's in both). */
export type SdkLine = 'v1' | 'v2';

/** One cell of the matrix the generated paths run over. */
export interface Combination {
  protocol: ProtocolBinding;
  backend: Backend;
  input: InputKind;
  sdk: SdkLine;
}

/** Every combination on `backend`. */
export function combinationsOn(backend: Backend): Combination[] {
  const all: Combination[] = [];
  for (const protocol of ['rev2025-11-25', 'extension'] as const) {
    for (const input of ['elicitation', 'sampling'] as const) {
      for (const sdk of ['v1', 'v2'] as const) all.push({ protocol, backend, input, sdk });
    }
  }
  return all;
}

/** A short name: `extension × redis × sampling × v2`. */
export function nameOf(c: Combination): string {
  return `${c.protocol} × ${c.backend} × ${c.input} × ${c.sdk}`;
}

/**
 * Event types of the task machine a combination cannot cause, with why. The extension has no way
 * for a client to answer an input request with an error (`inputResponses` carry results only, see
 * docs/protocols.md), so `input.error` cannot happen there; the test of each such combination
 * proves it (a `tasks/update` carrying an error is refused and the request stays outstanding).
 */
export function unreachableEvents(c: Combination): { eventType: string; why: string }[] {
  return c.protocol === 'extension'
    ? [{ eventType: 'input.error', why: 'the extension answers input requests with results only (tasks/update inputResponses)' }]
    : [];
}

/** Readable event names in edge keys (the invoke's done/error events as work.done / work.throw). */
export function edgeLabel(eventType: string): string {
  const work = workEventTypes();
  if (eventType === work.done) return 'work.done';
  if (eventType === work.error) return 'work.throw';
  return eventType;
}

/** A small seeded generator (mulberry32), so a Redis run's choice of instance per step can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
