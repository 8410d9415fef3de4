import { afterEach, beforeEach, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { CallToolResultSchema, CreateTaskResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../../src/client/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { connectInMemory, eventually, testTaskSupport } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

/*
 * One task asking two inputs at once, created through either protocol, while the same client
 * answers them in any order through both protocols at once (tasks/update, and the 2025-11-25
 * response to the request it was sent), answers twice, answers with the wrong shape, and cancels
 * through either protocol, each after a random few turns of the event loop. Whatever the order:
 * the task ends exactly once, completed or cancelled; every tasks/cancel, tasks/result and both
 * tasks/get shapes agree with that end; a bad answer is -32602 only while its request is
 * outstanding; and nothing is left behind (actors, queued or outstanding requests, logged errors).
 */

/** 50 runs by default (about a second in memory); MTA_PROPERTY_RUNS for a deeper search. */
const RUNS = Number(process.env['MTA_PROPERTY_RUNS'] ?? 50);
const EXTENSION = { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } };
const FORM = { type: 'object' as const, properties: { v: { type: 'string' as const } } };

let tasks: TaskSupport;
let session: Session;
let errors: unknown[];

beforeEach(async () => {
  errors = [];
  tasks = testTaskSupport({ logger: { warn: () => {}, error: (...args: unknown[]) => void errors.push(args) } });
  session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, 'pair', { taskSupport: 'required' }, async (_args, task) => {
      const ask = async (message: string): Promise<string> => {
        const answer = await task.elicit({ message, requestedSchema: FORM });
        return `${message}=${String(answer.content?.['v'] ?? answer.action)}`;
      };
      const [a, b] = await Promise.all([ask('a'), ask('b')]);
      return { content: [{ type: 'text', text: `${a}|${b}` }] };
    });
  });
});

afterEach(async () => {
  await session.close();
  await tasks.close();
  expect(errors).toEqual([]);
});

type Outcome = { ok: Record<string, unknown> } | { code: number; message: string };

function outcome(promise: Promise<Record<string, unknown>>): Promise<Outcome> {
  return promise.then(
    (ok) => ({ ok }),
    (error: { code?: number; message?: string }) => ({ code: error.code ?? 0, message: String(error.message) }),
  );
}

function extension(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return session.client.request({ method, params: { ...params, _meta: { [CLIENT_CAPABILITIES_META_KEY]: EXTENSION } } }, z.looseObject({}));
}

function rev2025(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return session.client.request({ method, params }, z.looseObject({}));
}

/** `n` turns of the event loop, microtasks and macrotasks alternating. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => (i % 2 ? setImmediate(resolve) : queueMicrotask(resolve)));
}

type Step =
  | { kind: 'update'; which: 'a' | 'b' | 'both'; value: string; delay: number }
  | { kind: 'badUpdate'; which: 'a' | 'b'; delay: number }
  | { kind: 'respond'; which: 'a' | 'b'; value: string; delay: number }
  | { kind: 'cancel'; protocol: '2025' | 'extension'; delay: number };

const delay = fc.nat(6);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('update' as const),
    which: fc.constantFrom('a' as const, 'b' as const, 'both' as const),
    value: fc.constantFrom('u1', 'u2'),
    delay,
  }),
  fc.record({ kind: fc.constant('badUpdate' as const), which: fc.constantFrom('a' as const, 'b' as const), delay }),
  fc.record({
    kind: fc.constant('respond' as const),
    which: fc.constantFrom('a' as const, 'b' as const),
    value: fc.constantFrom('r1', 'r2'),
    delay,
  }),
  fc.record({ kind: fc.constant('cancel' as const), protocol: fc.constantFrom('2025' as const, 'extension' as const), delay }),
);

it('ends a task asking two inputs exactly once, whatever the order of answers and cancels over both protocols', async () => {
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.boolean(), fc.array(step, { minLength: 1, maxLength: 6 }), async (byExtension, withResult, steps) => {
      // The client holds each elicitation it is sent (in memory it is pushed at once) until a step answers it.
      const held = new Map<string, (answer: ElicitResult) => void>();
      session.client.setRequestHandler(
        ElicitRequestSchema,
        (request) => new Promise<ElicitResult>((resolve) => held.set(request.params.message, resolve)),
      );
      const taskId = byExtension
        ? ((await extension('tools/call', { name: 'pair', arguments: {} }))['taskId'] as string)
        : (
            await session.client.request(
              { method: 'tools/call', params: { name: 'pair', arguments: {}, task: {} } },
              CreateTaskResultSchema,
            )
          ).task.taskId;
      const result = withResult
        ? outcome(session.client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema))
        : undefined;
      let keys: Record<string, string> = {};
      await eventually(async () => {
        const requests = ((await extension('tasks/get', { taskId }))['inputRequests'] ?? {}) as Record<
          string,
          { params: { message: string } }
        >;
        keys = Object.fromEntries(Object.entries(requests).map(([key, request]) => [request.params.message, key]));
        return Object.keys(keys).length === 2;
      });

      const cancels: { protocol: string; answer: Outcome }[] = [];
      await Promise.all(
        steps.map(async (s) => {
          await turns(s.delay);
          if (s.kind === 'update') {
            const which = s.which === 'both' ? ['a', 'b'] : [s.which];
            const inputResponses = Object.fromEntries(which.map((w) => [keys[w]!, { action: 'accept', content: { v: s.value } }]));
            expect(await outcome(extension('tasks/update', { taskId, inputResponses }))).toEqual({ ok: { resultType: 'complete' } });
          } else if (s.kind === 'badUpdate') {
            const answer = await outcome(extension('tasks/update', { taskId, inputResponses: { [keys[s.which]!]: { action: 'maybe' } } }));
            // Refused while the request is outstanding; ignored (acknowledged) once it is not.
            if (!('ok' in answer)) expect(answer.code).toBe(-32602);
          } else if (s.kind === 'respond') {
            held.get(s.which)?.({ action: 'accept', content: { v: s.value } });
          } else {
            const cancel = s.protocol === 'extension' ? extension('tasks/cancel', { taskId }) : rev2025('tasks/cancel', { taskId });
            cancels.push({ protocol: s.protocol, answer: await outcome(cancel) });
          }
        }),
      );
      // Ends every run: a task still waiting for an answer is cancelled now.
      cancels.push({ protocol: '2025', answer: await outcome(rev2025('tasks/cancel', { taskId })) });
      for (const resolve of held.values()) resolve({ action: 'decline' });

      await eventually(async () => ['completed', 'cancelled'].includes((await rev2025('tasks/get', { taskId }))['status'] as string));
      const task = await rev2025('tasks/get', { taskId });
      const detailed = await extension('tasks/get', { taskId });
      const status = task['status'] as string;
      expect(detailed['status']).toBe(status);
      for (const { protocol, answer } of cancels) {
        if (protocol === 'extension') expect(answer).toEqual({ ok: { resultType: 'complete' } });
        else if ('ok' in answer) expect([answer.ok['status'], status]).toEqual(['cancelled', 'cancelled']);
        // 2025-11-25: -32602 for a task terminal already, naming the status it still has.
        else expect([answer.code, answer.message]).toEqual([-32602, expect.stringContaining(`already ${status}`)]);
      }
      const results = [await outcome(rev2025('tasks/result', { taskId }))];
      if (result) results.push(await result);
      for (const answer of results) {
        if (status === 'completed')
          expect('ok' in answer && answer.ok['content']).toEqual((detailed['result'] as { content: unknown }).content);
        else expect(answer).toMatchObject({ code: -32603, message: expect.stringContaining('was cancelled') });
      }
      if (status === 'cancelled') expect(detailed).not.toHaveProperty('result');

      await eventually(() => tasks.liveTaskActors === 0);
      expect(await tasks.queue.outstanding(taskId)).toEqual([]);
      expect(await tasks.queue.dequeueAll(taskId)).toEqual([]);
    }),
    { numRuns: RUNS },
  );
}, 120_000);
