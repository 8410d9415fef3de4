import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { taskMachine } from '../../machines/task.js';
import { drain } from '../support/until.js';

// The machine ships with placeholders so it runs on its own (Stately's editor, the graph tests,
// a user who starts it to look at it): started without anything provided it must stay working,
// its placeholder work never ending, and still obey its events.
describe('task machine on its own', () => {
  it('starts in running.working, with no error, and the placeholder work never settles it', async () => {
    const actor = createActor(taskMachine, { input: { taskId: 'alone' } });
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    await drain(10);
    const snapshot = actor.getSnapshot();
    expect(errors).toEqual([]);
    expect(snapshot.status).toBe('active');
    expect(snapshot.value).toEqual({ running: 'working' });
    expect(snapshot.context).toEqual({ taskId: 'alone', waitingFor: [] });
    actor.send({ type: 'cancel' });
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(actor.getSnapshot().status).toBe('done');
  });
});
