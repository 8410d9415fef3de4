import { afterEach, describe, expect, vi } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { commands, endEverything } from './interleavingCommands.js';
import { RealSystem, SESSIONS } from './interleavingSystem.js';
import type { Model } from './interleavingSystem.js';

/**
 * Random interleavings of status updates, elicitations and answers, tasks/result calls, cancels,
 * work endings and ttl expiries across many tasks and two sessions, checked after every command
 * against the task machine itself (see interleavingSystem.ts for the invariants).
 */
/** 100 runs in CI (a few seconds); set MTA_PROPERTY_RUNS for a deeper local search. */
const RUNS = Number(process.env['MTA_PROPERTY_RUNS'] ?? 100);
/**
 * The test's time limit. fast-check stops 5 s before it and fails with what it found so far: a
 * failing case shrinks in steps that each wait out `until`'s 5 s, and past the limit vitest would
 * report a bare timeout instead of the counterexample and its error (seed -224944334 did).
 */
const LIMIT_MS = Math.max(30_000, RUNS * 300);

describe('random interleavings across tasks and sessions', () => {
  afterEach(() => vi.useRealTimers());

  it.prop([commands, fc.constantFrom<'cancel' | 'shutdown'>('cancel', 'shutdown')], {
    numRuns: RUNS,
    interruptAfterTimeLimit: LIMIT_MS - 5_000,
    markInterruptAsFailure: true,
  })(
    'every task follows the machine, every tasks/result answers once with the final outcome, nothing leaks across sessions',
    async (cmds, endBy) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const real = await RealSystem.start();
      const model: Model = { now: 0, tasks: [], keys: 0 };
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await endEverything(model, real, endBy);
        expect(real.tasks.liveTaskActors, 'no task actor left once every task ended').toBe(0);
        for (const name of SESSIONS) {
          const { sent, replies, cancelled } = real.sessions[name];
          for (const id of sent) {
            // A request the client cancelled may go unanswered; every other one gets exactly one reply.
            if (cancelled.has(id)) expect(replies.get(id) ?? 0).toBeLessThanOrEqual(1);
            else expect(replies.get(id), `replies to request ${String(id)} in session ${name}`).toBe(1);
          }
        }
      } finally {
        await real.close();
        vi.useRealTimers();
      }
    },
    LIMIT_MS,
  );
});
