import { afterAll, afterEach } from 'vitest';

/**
 * Setup file of every vitest project: an unhandled rejection or uncaught exception anywhere in a
 * run fails it, and fails the test it surfaced in.
 *
 * Vitest 4 already reports such errors and exits 1 ("Vitest caught N unhandled errors"; checked
 * with a throwaway test on 4.1.12), but it leaves the test marked as passed, names only "the latest
 * test that might have caused it", and misses an error that surfaces after a file's last hook (the
 * file's worker is gone: a rejection from a timer 10 ms after teardown was not reported at all).
 * So this records both kinds of error, fails the running test in `afterEach`, and waits a short
 * grace after each file's last hook for errors its teardown set off (a timer or a reconnect).
 */
const GRACE_MS = 50;

interface Caught {
  kind: 'unhandledRejection' | 'uncaughtException';
  error: unknown;
}

const registry = globalThis as { __mtaFailOnUnhandled?: Caught[] };
// Registered once per process, whatever the pool's isolation.
if (!registry.__mtaFailOnUnhandled) {
  const caught: Caught[] = (registry.__mtaFailOnUnhandled = []);
  process.on('unhandledRejection', (error: unknown) => void caught.push({ kind: 'unhandledRejection', error }));
  process.on('uncaughtException', (error: Error) => void caught.push({ kind: 'uncaughtException', error }));
}
const caught = registry.__mtaFailOnUnhandled;

function failIfCaught(when: string): void {
  if (caught.length === 0) return;
  const errors = caught.splice(0);
  const lines = errors.map(({ kind, error }) => `${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  throw new AggregateError(
    errors.map((e) => e.error),
    `${errors.length} unhandled error(s) ${when}:\n${lines.join('\n')}`,
  );
}

// Setup-file hooks run last among after-hooks, so errors set off by a test's own cleanup count too;
// one event-loop turn first, since Node reports a rejection only once the microtasks have drained.
afterEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  failIfCaught('during this test');
});

afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
  failIfCaught('after the last test of this file');
});
