import { afterEach, describe, expect, it } from 'vitest';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { ScriptedWork } from '../../support/scriptedWork.js';
import { drain } from '../../support/until.js';
import { extension } from './bindings.js';
import { nameOf, unreachableEvents } from './combination.js';
import type { Combination } from './combination.js';
import { deploy } from './deployment.js';
import type { Deployment } from './deployment.js';
import { unreachableEdges } from './pathSuite.js';

/**
 * The task's ttl here (ms). This suite runs on the real clock: with the paths' 1 s, a busy machine
 * could see the task expire mid-test, and the checks below fail for that instead.
 */
const UNREACHABLE_TTL = 60_000;

/**
 * The extension combinations leave out `input.error`'s two edges. This proves no client can cause
 * them there: an input response shaped as a JSON-RPC error is refused (-32602) through every
 * instance (on Redis also the one that does not run the task), the request stays outstanding and
 * the task stays input_required, so the actor never sees `input.error`.
 */
export function describeUnreachable(combinations: readonly Combination[], redisUrl?: () => string): void {
  let deployment: Deployment | undefined;
  afterEach(async () => {
    await deployment?.close();
    deployment = undefined;
  });

  for (const combination of combinations.filter((c) => unreachableEvents(c).length > 0)) {
    describe(`unreachable in ${nameOf(combination)}`, () => {
      it('names exactly the input.error edges', () => {
        expect(unreachableEdges(combination)).toEqual([
          'task.running.input_required —input.error [isLastAwaited]→ task.running.working',
          'task.running.input_required —input.error [isAwaited]→ (stays)',
        ]);
      });

      it('a tasks/update carrying an error is refused and the request stays outstanding', async () => {
        const work = new ScriptedWork();
        deployment = await deploy(
          combination,
          (tasks, server) => tasks.registerTool(server, 'scripted', { taskSupport: 'required' }, work.run),
          redisUrl?.(),
          UNREACHABLE_TTL,
        );
        const clients = deployment.instances.map((i) => i.client);
        const { taskId } = await extension.create(clients[0]!);
        await work.started.promise;
        await work.do({ kind: combination.input === 'elicitation' ? 'elicit' : 'sample', key: 'q1.1' });
        let requestKey: string | undefined;
        // A few tasks/get until the request shows (well inside UNREACHABLE_TTL).
        for (let i = 0; i < 200 && requestKey === undefined; i++) {
          requestKey = await extension.pendingKey(clients.at(-1)!, taskId, 'q1.1');
          await drain(1);
        }
        expect(requestKey).toBeDefined();
        for (const client of clients) {
          for (const errorShaped of [{ error: { code: -32001, message: 'declined' } }, { code: -32001, message: 'declined' }]) {
            const refused = await extension.answer(client, taskId, requestKey!, errorShaped).then(
              () => undefined,
              (error: unknown) => error,
            );
            expect((refused as McpError).code, 'an error as input response').toBe(-32602);
          }
          expect(await extension.pendingKey(client, taskId, 'q1.1'), 'still outstanding').toBe(requestKey);
        }
        await drain();
        expect(work.inputs.get('q1.1')!.settled, "the work's request is still waiting").toBeUndefined();
        for (const client of clients) {
          const look = await extension.look(client, taskId);
          expect(look.gone ? 'gone' : look.status).toBe('input_required');
        }
      });
    });
  }
}
