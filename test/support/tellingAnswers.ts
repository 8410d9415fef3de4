import type { ClusterHandlers, TaskCluster } from '../../src/backends/TaskCluster.js';
import type { OutboxMessage } from '../../src/backends/TaskMessageQueue.js';
import { hook } from './redisInstances.js';

/**
 * `cluster` whose handlers also call `answered` once they handled an answer command (an answer
 * another instance forwarded): a test can wait for the forward to have reached the runner.
 */
export function tellingAnswers(cluster: TaskCluster, answered: () => void): TaskCluster {
  return hook(cluster, 'start', (_call, args) => {
    const handlers = args[0] as ClusterHandlers;
    return cluster.start({
      ...handlers,
      command: (taskId, command) => {
        handlers.command(taskId, command);
        if (command.type === 'answer') answered();
      },
    });
  });
}

/**
 * `queue` (a TaskMessageQueue) whose first enqueue of an input request is stored, then answered only once `gate`
 * resolves: the window in which the request is in the queue but the task's actor, waiting for that
 * reply, does not know it asked (the answer-before-asked race).
 */
export function holdingFirstRequest<Q extends object>(queue: Q, gate: Promise<unknown>): Q {
  let held = false;
  return hook(queue, 'enqueue', async (call, args) => {
    const enqueued = await call();
    if ((args[1] as OutboxMessage).kind === 'request' && !held) {
      held = true;
      await gate;
    }
    return enqueued;
  });
}
