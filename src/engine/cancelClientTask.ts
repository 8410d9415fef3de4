import type { z } from 'zod';
import { CancelTaskResultSchema } from '../wire.js';
import { sentOnStream } from './streamGap.js';
import type { StreamChannel } from './streamGap.js';

/** Where `tasks/cancel` goes: a follow's channel, or the session's (ClientTasks.ts `ClientChannel`). */
interface CancelChannel extends StreamChannel {
  request(
    request: { method: string; params?: Record<string, unknown> },
    schema: z.ZodType,
    options: { signal: AbortSignal },
  ): Promise<unknown>;
}

/**
 * Tells the client with `tasks/cancel` that nobody wants its task `taskId` any more (a withdrawn
 * follow's, or one a late CreateTaskResult named). Waits out a gap in the session's standalone
 * stream as a follow's polls do (streamGap.ts `sentOnStream`): refused at once, the client's task (an
 * open dialog, say) ran on to its ttl. The wait ends when the session closes, none opens within the
 * grace, or one of `signals` aborts (the engine's close); a failure is warned of, never thrown.
 * @internal
 */
export function cancelClientTask(
  channel: CancelChannel,
  taskId: string,
  signals: readonly AbortSignal[],
  logger: Pick<Console, 'warn'>,
): void {
  const send = (lost: AbortSignal) =>
    channel.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema, { signal: lost });
  sentOnStream(channel, 'tasks/cancel', signals, send).catch((error: unknown) =>
    logger.warn(`mcp-task-actors: tasks/cancel of the client's task ${taskId} failed`, error),
  );
}
