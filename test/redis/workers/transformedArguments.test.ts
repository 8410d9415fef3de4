import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTask, taskResult } from '../../support/harness.js';
import { useWorkerPools } from './workerPoolFixture.js';

// A job carries the client's arguments, which the worker parses with its own schema. It carried
// the front's parsed ones: valid arguments of a schema that transforms them (a string into its
// length) were refused on the worker (-32602), while the same call in process completes.
const { split } = useWorkerPools('tr');

describe('a tool whose input schema transforms its arguments, on a worker pool', () => {
  it('runs with the arguments the client sent, parsed once, on the worker', async () => {
    const s = split();
    const config = { taskSupport: 'required' as const, inputSchema: { s: z.string().transform((text) => text.length) } };
    const { session } = await s.front('job', config);
    await s.worker('w', 'job', config, async ({ s: length }) => ({ content: [{ type: 'text', text: `length ${length}` }] }));
    const task = await createTask(session.client, 'job', { s: 'abc' });
    expect((await taskResult(session.client, task.taskId)).content).toEqual([{ type: 'text', text: 'length 3' }]);
  });
});
