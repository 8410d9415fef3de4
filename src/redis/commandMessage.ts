import type { ClusterCommand } from '../backends/TaskCluster.js';

/** A command as instances publish it on a runner's channel (RedisTaskCluster `send` and `tell`). */
export interface CommandMessage {
  taskId: string;
  command: ClusterCommand;
  /** On a cluster, an answer's receipt id (receipts.ts). */
  receipt?: unknown;
  /** On one Redis, an answer's send id (StoredAnswers.ts). */
  id?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * The command a message on an instance's channel carries, or undefined when it is not one an
 * instance sent: anyone with Redis access can publish there, and a message read without a check
 * (`command` missing, a `status` without its record) threw inside ioredis's socket handler, an
 * uncaught exception that ended the process.
 */
export function parseCommandMessage(message: string): CommandMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || typeof parsed.taskId !== 'string' || !isObject(parsed.command)) return undefined;
  const command = parsed.command;
  const valid =
    (command.type === 'cancel' && typeof command.reason === 'string') ||
    (command.type === 'status' && isObject(command.record) && typeof command.record.taskId === 'string') ||
    (command.type === 'answer' && typeof command.requestId === 'string' && isObject(command.answer));
  return valid ? (parsed as unknown as CommandMessage) : undefined;
}
