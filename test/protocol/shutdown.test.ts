import { describe, expect, it } from 'vitest';
import { createTask, connectInMemory, testTaskSupport, eventually } from '../support/harness.js';
import { Jobs } from '../support/jobs.js';

describe('TaskSupport.close', () => {
  it('fails unfinished tasks with a clear message, aborts their work and stops every actor', async () => {
    const tasks = testTaskSupport();
    const jobs = new Jobs();
    const session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
    const running = await createTask(session.client, 'forever', { key: 'sd1' });
    const done = await createTask(session.client, 'quick', { text: 'finished first' });
    await eventually(async () => (await tasks.store.get(done.taskId))?.status === 'completed');
    expect(tasks.liveTaskActors).toBe(1);

    await tasks.close();

    expect(jobs.aborts).toEqual(['sd1']);
    expect(await tasks.store.get(running.taskId)).toMatchObject({
      status: 'failed',
      statusMessage: 'Server shut down before the task finished',
    });
    expect(await tasks.store.getOutcome(running.taskId)).toMatchObject({ type: 'error', error: { code: -32603 } });
    expect((await tasks.store.get(done.taskId))?.status).toBe('completed');
    expect(tasks.liveTaskActors).toBe(0);
    expect(tasks.actor.getSnapshot().value).toBe('closed');
    expect(tasks.actor.getSnapshot().status).toBe('done');
    await session.close();
  });

  it('refuses new tasks once closing', async () => {
    const tasks = testTaskSupport();
    const jobs = new Jobs();
    const session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
    await tasks.close();
    await expect(createTask(session.client, 'quick', { text: 'late' })).rejects.toThrow(/shutting down/);
    await session.close();
  });
});
