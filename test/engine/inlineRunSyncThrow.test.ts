/**
 * InlineRuns.run with a body that throws before it returns a promise (run is generic; the engine's
 * body is an async function today, so this is latent there). The throw reached the caller, but the
 * run's stop stayed registered: TaskSupport.close then ended that call a second time, aborting its
 * work's signal with the shutdown error on a call already answered with its own throw.
 */
import { describe, expect, it } from 'vitest';
import { CallSettled } from '../../src/engine/CallSettled.js';
import { InlineRuns } from '../../src/engine/InlineRuns.js';

describe('InlineRuns.run: a body that throws synchronously', () => {
  it('rejects with the throw, and close() leaves that call alone', async () => {
    const runs = new InlineRuns();
    const call = new CallSettled('sync');
    const signal = call.workSignal(new AbortController().signal);
    const thrown = new Error('thrown before any promise');
    await expect(
      runs.run('sync', call, () => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    await runs.close();
    expect(signal.aborted).toBe(false);
    expect(call.over).toBe(false);
  });

  it('(guard) a body still running at close is ended with the shutdown error', async () => {
    const runs = new InlineRuns();
    const call = new CallSettled('slow');
    const signal = call.workSignal(new AbortController().signal);
    const run = expect(runs.run('slow', call, () => new Promise<never>(() => undefined))).rejects.toMatchObject({ code: -32603 });
    await runs.close();
    await run;
    expect(signal.aborted).toBe(true);
  });

  it('(guard) a body that settled leaves nothing for close() to end', async () => {
    const runs = new InlineRuns();
    const calls = [new CallSettled('ok'), new CallSettled('failed')];
    const signals = calls.map((call) => call.workSignal(new AbortController().signal));
    await expect(runs.run('ok', calls[0], () => Promise.resolve(1))).resolves.toBe(1);
    await expect(runs.run('failed', calls[1], () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await runs.close();
    expect(signals.map((signal) => signal.aborted)).toEqual([false, false]);
  });
});
