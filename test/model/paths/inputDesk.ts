import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, McpError, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import { deferred } from '../../support/harness.js';
import type { InputKind } from './combination.js';

const KEY = /^model-(?:elicitation|sampling):(.+)$/;

/** The answer the client gives to input request `requestId` (a model id such as q1), per kind. */
export function answerFor(kind: InputKind, requestId: string): Record<string, unknown> {
  return kind === 'elicitation'
    ? { action: 'accept', content: { answer: requestId } }
    : { role: 'assistant', model: 'model-client', content: { type: 'text', text: `sampled ${requestId}` } };
}

/**
 * The client side of 2025-11-25 input requests on every client of a run (one per instance): each
 * elicitation or sampling request that arrives is parked under the key in its text until the path
 * answers or fails it, and is answered on the connection it came on.
 */
export class InputDesk {
  /** Each request that arrived: its key and the task its related-task `_meta` names. */
  readonly received: { key: string; taskId: string | undefined }[] = [];
  private readonly answers = new Map<string, ReturnType<typeof deferred<Record<string, unknown>>>>();

  constructor(clients: readonly Client[]) {
    for (const client of clients) {
      client.setRequestHandler(ElicitRequestSchema, (request) => this.park(request.params.message, request.params._meta) as never);
      client.setRequestHandler(CreateMessageRequestSchema, (request) => {
        const content = request.params.messages[0]?.content;
        const text = content && !Array.isArray(content) && content.type === 'text' ? content.text : '';
        return this.park(text, request.params._meta) as never;
      });
    }
  }

  has(key: string): boolean {
    return this.received.some((r) => r.key === key);
  }

  accept(key: string, answer: Record<string, unknown>): void {
    this.answerOf(key).resolve(answer);
  }

  fail(key: string, code: number, message: string): void {
    this.answerOf(key).reject(new McpError(code, message));
  }

  /** Answers whatever is still parked, so no handler is left hanging. */
  releaseAll(): void {
    for (const answer of this.answers.values()) answer.reject(new McpError(-32001, 'run ended'));
  }

  private park(text: string, meta: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    const key = KEY.exec(text)?.[1];
    if (key === undefined) throw new McpError(-32602, `unexpected input request: ${text}`);
    const related = meta?.[RELATED_TASK_META_KEY] as { taskId?: string } | undefined;
    this.received.push({ key, taskId: related?.taskId });
    return this.answerOf(key).promise;
  }

  private answerOf(key: string) {
    let answer = this.answers.get(key);
    if (!answer) this.answers.set(key, (answer = deferred<Record<string, unknown>>()));
    return answer;
  }
}
