import type { z } from 'zod';
import { CancelTaskResultSchema, ErrorCode } from '../wire.js';
import { firstAborted } from '../followSignals.js';
import { isNotCarried, sentOnStream } from './streamGap.js';
import type { StreamChannel } from './streamGap.js';

/** Where `tasks/cancel` goes: a follow's channel, or the session's (ClientTasks.ts `ClientChannel`). */
interface CancelChannel extends StreamChannel {
  request(
    request: { method: string; params?: Record<string, unknown> },
    schema: z.ZodType,
    options: { signal: AbortSignal },
  ): Promise<unknown>;
}

/** Whether `error` is the client's -32602 (the spec's answer to `tasks/cancel` of a task already terminal). */
function isInvalidParams(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === ErrorCode.InvalidParams;
}

/**
 * Tells the client with `tasks/cancel` that nobody wants its task `taskId` any more (a withdrawn
 * follow's, or one a late CreateTaskResult named). Waits out a gap in the session's standalone
 * stream as a follow's polls do (streamGap.ts `sentOnStream`): a request sent then would be refused,
 * and the client's task (an open dialog, say) would run on to its ttl. One sent again after its
 * stream dropped may find the task ended by the first (the client read it): its -32602 is success.
 * `wanted` is asked at once and just before each send (the wait may last the whole grace); false sends nothing.
 *
 * One of `signals` aborting (the engine's close) ends the wait, and nothing is sent or warned of. It
 * does not abort a `tasks/cancel` already out: that stays pending until the client answers or the
 * SDK's timeout (60 s) ends it, as do the ones the close itself sends (the follows it cancels),
 * which must go out after it began. Any other failure (the session closed, no stream opened within
 * the grace, the client's error) is warned of, never thrown.
 * @internal
 */
export function cancelClientTask(
  channel: CancelChannel,
  taskId: string,
  signals: readonly AbortSignal[],
  logger: Pick<Console, 'warn'>,
  wanted: () => boolean = () => true,
): void {
  // Asked now too: unwanted already, the cancel would wait out a stream gap for a send it would not
  // make, and warn of that wait's end.
  if (!wanted()) return;
  // Whether an earlier tasks/cancel went out (not refused for want of a stream): the client may have read it.
  let sentBefore = false;
  const send = async (lost: AbortSignal): Promise<unknown> => {
    if (!wanted()) return undefined;
    const again = sentBefore;
    try {
      return await channel.request({ method: 'tasks/cancel', params: { taskId } }, CancelTaskResultSchema, { signal: lost });
    } catch (error) {
      if (!isNotCarried(error)) sentBefore = true;
      if (again && isInvalidParams(error)) return undefined;
      throw error;
    }
  };
  sentOnStream(channel, 'tasks/cancel', signals, send).catch((error: unknown) => {
    // The wait ended by the close (streamGap.ts rejects with its reason): the engine is going away.
    if (error === firstAborted(signals)?.reason) return;
    logger.warn(`mcp-task-actors: tasks/cancel of the client's task ${taskId} failed`, error);
  });
}
