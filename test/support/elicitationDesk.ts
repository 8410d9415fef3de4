import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, McpError, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { deferred } from './harness.js';

/** An elicitation request as the client received it, parked until the test answers it. */
export interface ReceivedElicitation {
  key: string;
  /** The task the request says it belongs to (`_meta["io.modelcontextprotocol/related-task"]`). */
  taskId: string | undefined;
  request: ElicitRequest;
}

const KEY_PATTERN = /^model-elicitation:(.+)$/;

/**
 * The client's elicitation handler, held open by the test: each request that arrives is parked
 * under the key in its message (see `elicitationMessage`) until the test accepts it or fails it,
 * which makes the real SDK client send the JSON-RPC result or error back to the server.
 */
export class ElicitationDesk {
  /** Every request received, in arrival order. */
  readonly received: ReceivedElicitation[] = [];
  private readonly answers = new Map<string, ReturnType<typeof deferred<ElicitResult>>>();
  private readonly arrivalWaits = new Map<string, ReturnType<typeof deferred<ReceivedElicitation>>>();

  constructor(client: Client) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      const key = KEY_PATTERN.exec(request.params.message)?.[1];
      if (key === undefined) throw new McpError(-32602, `unexpected elicitation: ${request.params.message}`);
      const meta = request.params._meta?.[RELATED_TASK_META_KEY] as { taskId?: string } | undefined;
      const received: ReceivedElicitation = { key, taskId: meta?.taskId, request };
      this.received.push(received);
      const answer = this.answerFor(key);
      this.arrivalOf(key).resolve(received);
      return answer.promise;
    });
  }

  /** Resolves when the request for `key` has reached the client. */
  arrived(key: string): Promise<ReceivedElicitation> {
    return this.arrivalOf(key).promise;
  }

  /** Whether the request for `key` has reached the client. */
  has(key: string): boolean {
    return this.received.some((r) => r.key === key);
  }

  /** How many times the request for `key` has reached the client (a redelivery counts again). */
  arrivals(key: string): number {
    return this.received.filter((r) => r.key === key).length;
  }

  /** Answers `key` with an accepted form. */
  accept(key: string, content: Record<string, string>): void {
    this.answerFor(key).resolve({ action: 'accept', content });
  }

  /** Makes the client answer `key` with a JSON-RPC error. */
  fail(key: string, code: number, message: string): void {
    this.answerFor(key).reject(new McpError(code, message));
  }

  /** Answers whatever is still parked (so no handler is left hanging when a test ends). */
  releaseAll(): void {
    for (const answer of this.answers.values()) answer.resolve({ action: 'cancel' });
  }

  private answerFor(key: string) {
    let answer = this.answers.get(key);
    if (!answer) this.answers.set(key, (answer = deferred<ElicitResult>()));
    return answer;
  }

  private arrivalOf(key: string) {
    let arrival = this.arrivalWaits.get(key);
    if (!arrival) this.arrivalWaits.set(key, (arrival = deferred<ReceivedElicitation>()));
    return arrival;
  }
}
