import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryTaskMessageQueue, TaskSupport } from '../../../src/index.js';
import { answerWith, registerAskingTools } from '../../support/askingTools.js';
import { connectInMemory, createTask, taskResult } from '../../support/harness.js';
import type { Session } from '../../support/harness.js';

// A queue whose take answers after the store timeout (a Redis that stalled with the take in flight,
// then ran it): the guard fails the call, so its caller delivers nothing. What the take removed
// was then gone for good: the elicitation never reached the client, and the task stayed
// input_required until its ttl. The guard now puts a late take's messages back.
const STORE_TIMEOUT = 100;

/** Takes made from now on answer this late (ms); 0: on time. */
let lateBy = 0;
let lateTakes = 0;

function slowTakes(queue: InMemoryTaskMessageQueue): InMemoryTaskMessageQueue {
  return new Proxy(queue, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(object, args);
        if (property !== 'dequeueAll') return result;
        // Taken now, answered late (a take Redis ran after a stall): the first take that takes something.
        return Promise.resolve(result).then((taken) => {
          if (lateBy === 0 || !Array.isArray(taken) || taken.length === 0) return taken;
          lateTakes++;
          const delay = lateBy;
          lateBy = 0;
          return new Promise((resolve) => setTimeout(() => resolve(taken), delay));
        });
      };
    },
  });
}

let tasks: TaskSupport;
let session: Session;

beforeEach(async () => {
  lateBy = 0;
  lateTakes = 0;
  tasks = new TaskSupport({
    queue: slowTakes(new InMemoryTaskMessageQueue()),
    storeTimeout: STORE_TIMEOUT,
    pollInterval: 10,
    logger: { warn: () => {}, error: () => {} },
  });
  session = await connectInMemory(tasks, (server) => registerAskingTools(tasks, server));
  answerWith(session.client, { elicit: (request) => ({ action: 'accept', content: { value: `re ${request.params.message}` } }) });
});

afterEach(async () => {
  await session.close();
  await tasks.close();
});

describe('a take of the queue that answers after its deadline', () => {
  it('puts what it took back: the elicitation still reaches the client and the task completes', async () => {
    const task = await createTask(session.client, 'ask', { key: 'k' });
    lateBy = 3 * STORE_TIMEOUT;
    const result = await taskResult(session.client, task.taskId);
    expect(lateTakes).toBe(1);
    expect(result.content).toEqual([{ type: 'text', text: 're k question 0' }]);
  });
});
