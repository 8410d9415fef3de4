import type { z } from 'zod';
import { mcpError } from '../errors.js';
import { isZodError } from '../zodIssues.js';
import { ErrorCode } from '../wire.js';
import { invalidAnswer } from './answers.js';
import { followSignals } from '../followSignals.js';

/** Where `tasks/result` goes: a follow's channel (ClientTasks.ts `ClientChannel`). */
interface ResultChannel {
  request(
    request: { method: string; params?: Record<string, unknown> },
    schema: z.ZodType,
    options: { signal: AbortSignal; timeout: number },
  ): Promise<unknown>;
}

/** A blocking `tasks/result` waits at most this long (the SDK's 60 s default would cut a slow user short). */
const RESULT_TIMEOUT_MS = 24 * 60 * 60 * 1000;
/**
 * Once the client reported its task over, its result is stored: `tasks/result` gets as long as any
 * request (the SDK's default), not a user's day. A client that never answered it held the server
 * task `input_required` for 24 h.
 */
const RESULT_AFTER_END_MS = 60_000;

/**
 * The end the client reported of its task, if it did; `reported` is called when it does, while a
 * tasks/result is open. @internal
 */
export interface ReportedEnd {
  status?: 'completed' | 'failed';
  reported?: () => void;
}

/**
 * `tasks/result` of the client's task, its answer checked against `schema`. Open for as long as a
 * user may take, until the client reports its task over: from then on it has RESULT_AFTER_END_MS.
 * A schema's refusal becomes a readable -32602 (the work got zod's raw issues as its message).
 * Any of `stops` aborting ends the request with its reason (the follow's end; its stream's drop, streamGap.ts).
 * @internal
 */
export async function fetchClientTaskResult(
  channel: ResultChannel,
  schema: z.ZodType,
  taskId: string,
  stops: readonly AbortSignal[],
  end: ReportedEnd,
  expired: AbortSignal,
): Promise<unknown> {
  // Aborts the request once the reported end's bound passes; the follow's end, its stream's drop (`stops`) and the ttl (`expired`) do too.
  const late = new AbortController();
  const open = followSignals([...stops, expired, late.signal]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = (): void => {
    const error = mcpError(
      ErrorCode.RequestTimeout,
      `The client reported its task ${taskId} ${end.status ?? ''} but did not answer tasks/result within ${RESULT_AFTER_END_MS / 1000} s`,
    );
    timer = setTimeout(() => late.abort(error), RESULT_AFTER_END_MS);
  };
  if (end.status === undefined) end.reported = bound;
  else bound();
  try {
    return await channel.request({ method: 'tasks/result', params: { taskId } }, schema, {
      signal: open.signal,
      timeout: RESULT_TIMEOUT_MS,
    });
  } catch (error) {
    // The SDK wraps an abort reason that is no McpError as a -32001; the ttl's ends the follow as the machine's does.
    if (expired.aborted) throw expired.reason;
    if (!isZodError(error)) throw error;
    // A task the client reported failed stays failed, whatever its tasks/result holds.
    if (end.status === 'failed') throw Object.assign(new Error('The client reported its task failed'), { cause: invalidAnswer(error) });
    throw invalidAnswer(error);
  } finally {
    clearTimeout(timer);
    open.release();
    if (end.reported === bound) end.reported = undefined;
  }
}
