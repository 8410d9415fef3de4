import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { drain } from '../support/until.js';
import { specViolations, statusOfLeaf } from '../model/specOracle.js';
import type { Observation } from '../model/specOracle.js';
import { leafOf } from '../model/taskModel.js';

// The machine ships with placeholders so it runs on its own (Stately's editor, the graph tests,
// a user who starts it to look at it): started without anything provided it must stay working,
// its placeholder work never ending, and still obey its events.
describe('task machine on its own', () => {
  it('starts in running.working, with no error, and the placeholder work never settles it', async () => {
    const actor = createActor(taskMachine, { id: 'alone' });
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    await drain(10);
    const snapshot = actor.getSnapshot();
    expect(errors).toEqual([]);
    expect(snapshot.status).toBe('active');
    expect(snapshot.value).toEqual({ running: 'working' });
    expect(snapshot.context).toEqual({ waitingFor: [] });
    actor.send({ type: 'cancel' });
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(actor.getSnapshot().status).toBe('done');
  });

  // Each way out of two outstanding requests, answered in either order by a result or an error:
  // once both are answered nothing is outstanding, so the spec oracle requires `working` again.
  for (const first of ['input.response', 'input.error'] as const) {
    for (const second of ['input.response', 'input.error'] as const) {
      for (const order of [
        ['q1', 'q2'],
        ['q2', 'q1'],
      ] as const) {
        it(`q1 and q2 asked, ${first}(${order[0]}) then ${second}(${order[1]}): working again`, () => {
          const actor = createActor(taskMachine, { id: 'pair' }).start();
          const statuses: Observation[] = [{ status: 'working', outstanding: 0 }];
          let outstanding = 0;
          const send = (event: Parameters<typeof actor.send>[0], delta: number): void => {
            actor.send(event);
            outstanding += delta;
            const snapshot = actor.getSnapshot();
            statuses.push({ status: statusOfLeaf(leafOf(snapshot)), outstanding, done: snapshot.status === 'done' });
          };
          send({ type: 'input.request', requestId: 'q1' }, 1);
          send({ type: 'input.request', requestId: 'q2' }, 1);
          const answer = (type: typeof first, requestId: string) =>
            type === 'input.response' ? { type, requestId, result: {} } : { type, requestId, error: {} };
          send(answer(first, order[0]), -1);
          send(answer(second, order[1]), -1);
          expect(specViolations('actor', statuses)).toEqual([]);
          expect(actor.getSnapshot().value).toEqual({ running: 'working' });
          actor.stop();
        });
      }
    }
  }
});
