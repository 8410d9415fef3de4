import type { ClusterHandlers, TaskCluster } from '../../src/backends/TaskCluster.js';
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
