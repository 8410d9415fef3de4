import { ErrorCode, McpError, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { toMcpError } from './errors.js';
import type { Connection } from './SessionRouter.js';
import type { TaskEngine } from './TaskEngine.js';
import type { QueuedMessage } from './TaskMessageQueue.js';
import { isTerminal } from './types.js';
import { STOP_WAITING } from './waiters.js';

/**
 * Serves `tasks/result` (the Python SDK's `TaskResultHandler`): carries the task's queued requests
 * and notifications to the client on this call's response stream, then answers with the outcome.
 *
 * It sleeps on "a message was queued OR the task is terminal", never on a timer, so it answers
 * the moment the task actor settles. Requests it delivered that are still unanswered when the
 * call goes away are put back at the front of the queue for the next `tasks/result`.
 */
export class TaskResultHandler {
  constructor(private readonly engine: TaskEngine) {}

  /** Blocks until the task is terminal and returns what its `tools/call` would have returned. */
  async handle(
    taskId: string,
    owner: string,
    connection: Connection,
    call: { requestId: RequestId; signal: AbortSignal },
  ): Promise<CallToolResult> {
    const { store, queue } = this.engine;
    await this.engine.get(taskId, owner);
    const detach = this.engine.attach(taskId);
    const delivered: Extract<QueuedMessage, { kind: 'request' }>[] = [];
    try {
      for (;;) {
        const wake = new AbortController();
        const stopWaiting = (): void => wake.abort(STOP_WAITING);
        call.signal.addEventListener('abort', stopWaiting, { once: true });
        // Armed before looking, so a message or settle that lands in between still wakes us.
        const woken = Promise.race([
          queue.waitForMessage(taskId, wake.signal),
          store.waitForTerminal(taskId, wake.signal),
        ]);
        try {
          await this.deliver(taskId, connection, call.requestId, delivered);
          const record = await this.engine.get(taskId, owner);
          // Awaited here: a bare `return` would leave the rejection unhandled while the finally blocks await.
          if (isTerminal(record.status)) return await this.answer(taskId);
          await woken;
          if (call.signal.aborted) throw new McpError(ErrorCode.RequestTimeout, 'tasks/result was cancelled');
        } finally {
          wake.abort(STOP_WAITING);
          call.signal.removeEventListener('abort', stopWaiting);
        }
      }
    } finally {
      detach();
      const unanswered: QueuedMessage[] = [];
      for (const m of delivered) if (await queue.isOutstanding(taskId, m.requestId)) unanswered.push(m);
      if (unanswered.length > 0) await queue.requeue(taskId, unanswered);
    }
  }

  private async deliver(
    taskId: string,
    connection: Connection,
    relatedRequestId: RequestId,
    delivered: Extract<QueuedMessage, { kind: 'request' }>[],
  ): Promise<void> {
    const batch = await this.engine.queue.dequeueAll(taskId);
    for (let i = 0; i < batch.length; i++) {
      const message = batch[i]!;
      if (message.kind === 'request') {
        // Answered meanwhile (maybe through another call or instance): nothing to ask any more.
        if (!(await this.engine.queue.isOutstanding(taskId, message.requestId))) continue;
        connection.awaiting.set(message.requestId, taskId);
      }
      try {
        await connection.send(message.message, { relatedRequestId });
      } catch (error) {
        await this.engine.queue.requeue(taskId, batch.slice(i));
        throw error;
      }
      if (message.kind === 'request') delivered.push(message);
    }
  }

  private async answer(taskId: string): Promise<CallToolResult> {
    const outcome = await this.engine.outcome(taskId);
    if (outcome.type === 'error') throw toMcpError(outcome.error);
    return {
      ...outcome.result,
      _meta: { ...outcome.result._meta, [RELATED_TASK_META_KEY]: { taskId } },
    };
  }
}
