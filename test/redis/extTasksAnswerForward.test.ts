/**
 * The tasks extension's `tasks/update` on several instances sharing Redis, with an instance killed
 * at the worst moment (SIGKILL, in process: a {@link RedisTrap} in front of the instance drops all
 * its Redis connections at once, and its client transport is closed with it).
 *
 * - The instance that received the `tasks/update` of a task run elsewhere dies while forwarding the
 *   answer. Before, it acknowledged the update before the forward even left it: the answer lived only
 *   in the forward, and the client, done with the key once acknowledged (the spec: "Clients SHOULD
 *   track inputRequests keys to avoid responding to requests more than once"; ext-tasks' requester
 *   and TasksExtensionClient never answer a key twice), never sent it again: the request stayed
 *   listed and the task `input_required` until its ttl. Now the ack waits for the runner to have the
 *   answer, so the client sees the update fail, and answers again through another instance.
 * - The runner dies while its request is listed: a survivor takes the (not restartable) task over
 *   and fails it; a late `tasks/update` through the survivor is acknowledged within about a lease
 *   (the takeover voids the request), not left hanging, and not refused (an error there made a
 *   client give up on a task a survivor was about to run again).
 * - `tasks/cancel` through an instance killed as its cancel command to the runner leaves it: the
 *   cancel was stored first, so it stands, and the runner stops the work when its lease renewal
 *   finds the stored end.
 * - Two instances forward the same answer (the client answered through both): the work takes one,
 *   the runner drops the other, nothing fails.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, expect, inject, it } from 'vitest';
import { askingTask, extensionRequest } from '../support/extensionRequests.js';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { connectInMemory, eventually } from '../support/harness.js';
import type { Session } from '../support/harness.js';
import { redisTrap } from '../support/redisTrap.js';
import type { RedisTrap } from '../support/redisTrap.js';

const LEASE_MS = 600;
const FORM = { type: 'object' as const, properties: { value: { type: 'string' as const } }, required: ['value'] };
/** What only a forwarded answer's PUBLISH carries. */
const ANSWER_PUBLISH = /"type":"answer"/;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Instance {
  session: Session;
  warnings: unknown[][];
  errors: unknown[][];
  /** Why each `ask` run here was aborted, by task id (its work's signal). */
  aborted: Map<string, string>;
  /** "SIGKILL": every Redis connection dropped at once, none let through again, the client transport closed. Only for an instance made with a trap. */
  kill(): Promise<void>;
  trap: RedisTrap | undefined;
}

/** An instance on the test's Redis (through a trap when `trapped`) serving alice, with the `ask` tool. */
async function instance(prefix: string, instanceId: string, trapped = false, sweepEveryMs = 100): Promise<Instance> {
  const url = inject('redisUrl');
  const trap = trapped ? await redisTrap(Number(new URL(url).port)) : undefined;
  if (trap) cleanups.push(() => trap.close());
  const backend = await createRedisTaskBackend({
    url: trap ? `redis://127.0.0.1:${trap.port}` : url,
    prefix,
    instanceId,
    leaseMs: LEASE_MS,
    sweepEveryMs,
  });
  cleanups.push(() => backend.close());
  const warnings: unknown[][] = [];
  const errors: unknown[][] = [];
  const aborted = new Map<string, string>();
  const tasks = new TaskSupport({
    ...backend,
    pollInterval: 50,
    limits: { minPollInterval: 10 },
    identify: () => 'alice',
    logger: { warn: (...args: unknown[]) => void warnings.push(args), error: (...args: unknown[]) => void errors.push(args) },
  });
  cleanups.push(() => tasks.close());
  const session = await connectInMemory(tasks, (server) =>
    tasks.registerTool(server, 'ask', { taskSupport: 'required' }, async (_args, task) => {
      task.signal.addEventListener('abort', () => aborted.set(task.taskId ?? '', String(task.signal.reason)), { once: true });
      const answer = await task.elicit({ message: 'value?', requestedSchema: FORM });
      return { content: [{ type: 'text', text: answer.action === 'accept' ? String(answer.content?.['value']) : answer.action }] };
    }),
  );
  cleanups.push(() => session.close());
  const kill = async (): Promise<void> => {
    trap!.kill();
    await session.close();
  };
  return { session, warnings, errors, aborted, kill, trap };
}

/** A 2026-style request that declares the tasks extension. */
const request = (on: Instance, method: string, params: Record<string, unknown>) => extensionRequest(on.session.client, method, params);
/** Starts `ask` on `runner` and waits until its elicitation is listed; returns the task id and the request's key. */
const asking = (runner: Instance) => askingTask(runner.session.client);

function newPrefix(): string {
  return `extfwd${randomBytes(4).toString('hex')}:`;
}

it('tasks/update through another instance is acknowledged only once the runner has the answer: that instance killed mid-forward, the client hears of it and answers again', async () => {
  const prefix = newPrefix();
  const runner = await instance(prefix, 'runner');
  const doomed = await instance(prefix, 'doomed', true);
  const { taskId, key } = await asking(runner);

  // The forward's PUBLISH is held in the trap; the instance dies as it leaves.
  const caught = doomed.trap!.arm(ANSWER_PUBLISH, { hold: true });
  const update = request(doomed, 'tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'lost?' } } } });
  const outcome = update.then(
    () => 'acknowledged',
    (error: unknown) => `failed: ${String(error)}`,
  );
  await caught;
  await doomed.kill();

  // An ack here would be a lie: the answer never reached Redis, and a client that got it never answers the key again.
  expect(await outcome).toMatch(/^failed: /);
  const listed = await request(runner, 'tasks/get', { taskId });
  expect(listed['status']).toBe('input_required');
  expect(Object.keys(listed['inputRequests'] as object)).toEqual([key]);

  // Told, the client answers again, through the instance still there.
  await request(runner, 'tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'again' } } } });
  let done: Record<string, unknown> = {};
  await eventually(async () => (done = await request(runner, 'tasks/get', { taskId }))['status'] === 'completed');
  expect(done['result']).toMatchObject({ content: [{ type: 'text', text: 'again' }] });
  expect(runner.errors).toEqual([]);
});

it('a forwarded tasks/update is acknowledged once delivered, and the work goes on with it', async () => {
  const prefix = newPrefix();
  const runner = await instance(prefix, 'runner');
  const other = await instance(prefix, 'other');
  const { taskId, key } = await asking(runner);

  await request(other, 'tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'forwarded' } } } });
  let done: Record<string, unknown> = {};
  await eventually(async () => (done = await request(other, 'tasks/get', { taskId }))['status'] === 'completed');
  expect(done['result']).toMatchObject({ content: [{ type: 'text', text: 'forwarded' }] });
  expect([...runner.errors, ...other.errors, ...runner.warnings, ...other.warnings]).toEqual([]);
});

it('the runner killed while its request is listed: the survivor fails the task, and a late tasks/update to it is answered, not left hanging', async () => {
  const prefix = newPrefix();
  const doomedRunner = await instance(prefix, 'runner', true);
  // Its sweeps seldom, so the dead runner's lease lapses well before the takeover: a forward that
  // found nobody then must not be refused while the request is still listed.
  const survivor = await instance(prefix, 'survivor', false, LEASE_MS * 2);
  const { taskId, key } = await asking(doomedRunner);
  await doomedRunner.kill();

  const sentAt = Date.now();
  // Sent while the dead runner's lease may still be live: answered once the survivor took the task over.
  await request(survivor, 'tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'late' } } } });
  // Bounded by the lease and a sweep, with room for a slow machine.
  expect(Date.now() - sentAt).toBeLessThan(LEASE_MS * 4);
  let failed: Record<string, unknown> = {};
  await eventually(async () => (failed = await request(survivor, 'tasks/get', { taskId }))['status'] === 'failed', LEASE_MS * 10);
  expect(failed['error']).toMatchObject({ message: 'The server instance running this task stopped before it finished' });
  // The key is no longer outstanding: a later update is ignored (spec: SHOULD ignore), and acknowledged.
  await expect(
    request(survivor, 'tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'later' } } } }),
  ).resolves.toMatchObject({ resultType: 'complete' });
  expect(survivor.errors).toEqual([]);
});

it('the same answer through two instances at once: the work takes one, the runner drops the other, both are acknowledged', async () => {
  const prefix = newPrefix();
  const runner = await instance(prefix, 'runner');
  const b = await instance(prefix, 'b');
  const c = await instance(prefix, 'c');
  const { taskId, key } = await asking(runner);

  const answer = (value: string): Record<string, unknown> => ({
    taskId,
    inputResponses: { [key]: { action: 'accept', content: { value } } },
  });
  const acks = await Promise.all([request(b, 'tasks/update', answer('from b')), request(c, 'tasks/update', answer('from c'))]);
  expect(acks).toEqual([{ resultType: 'complete' }, { resultType: 'complete' }]);
  let done: Record<string, unknown> = {};
  await eventually(async () => (done = await request(runner, 'tasks/get', { taskId }))['status'] === 'completed');
  const text = (done['result'] as { content: { text: string }[] }).content[0]!.text;
  expect(['from b', 'from c']).toContain(text);
  // The other answer reached the runner after the first was taken: dropped with a warning, nothing failed.
  await eventually(() => runner.warnings.length === 1);
  expect(String(runner.warnings[0]![0])).toMatch(/dropped an answer to/);
  expect([...runner.errors, ...b.errors, ...c.errors]).toEqual([]);
});

it('tasks/cancel through an instance killed as its command to the runner leaves: the stored cancel stands and the runner stops the work', async () => {
  const prefix = newPrefix();
  const runner = await instance(prefix, 'runner');
  const doomed = await instance(prefix, 'doomed', true);
  const { taskId } = await asking(runner);

  // Killed as the cancel command leaves it, never reaching Redis: only the stored settle got through.
  const caught = doomed.trap!.arm(/"type":"cancel"/, { onCaught: () => void doomed.session.close() });
  const cancel = request(doomed, 'tasks/cancel', { taskId }).then(
    () => 'acknowledged',
    () => 'failed',
  );
  await caught;
  await cancel;
  let seen: Record<string, unknown> = {};
  await eventually(async () => (seen = await request(runner, 'tasks/get', { taskId }))['status'] === 'cancelled');
  expect(seen).not.toHaveProperty('inputRequests');
  // The runner's renewal finds the stored end and stops the work (within a lease or so).
  await eventually(() => runner.aborted.has(taskId), LEASE_MS * 10);
  // A late answer to the cancelled task is ignored, not an error.
  await expect(
    request(runner, 'tasks/update', { taskId, inputResponses: { x: { action: 'accept', content: { value: 'late' } } } }),
  ).resolves.toMatchObject({ resultType: 'complete' });
  expect(runner.errors).toEqual([]);
});
