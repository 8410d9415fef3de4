import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { NotificationOptions, RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, McpError, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';
import type { MessageExtraInfo, RequestId, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { ClientRequestOptions } from '../../engine/ClientTasks.js';
import type { RequestStream } from '../../session/ServerHost.js';
import type { ServerExtra, V1Native } from './request.js';

/**
 * One request served by `DirectRequests`: what the SDK's request entry makes per request, made
 * only when something asks for it. The SDK builds an `AbortController`, an extra with two
 * closures and a promise chain for every request; most of this library's requests (`tasks/get`,
 * `tasks/cancel`, a task-augmented `tools/call`) never read any of it. This one object is the
 * request's stream to the client and its SDK-side context (`native`): its signal is made on
 * first read, and the SDK's full extra only when a handler hands the request to the SDK's own
 * (an inline `tools/call` of an `McpServer` tool). It behaves as the SDK's extra does: a request
 * the client cancelled or whose connection closed sends nothing more and gets no response.
 * @internal
 */
export class DirectCall implements V1Native, RequestStream {
  /** Set once the client cancelled the request or its connection closed. */
  aborted = false;
  private reason: unknown;
  private controller: AbortController | undefined;
  private fullExtra: ServerExtra | undefined;

  constructor(
    readonly message: { method: string; params?: Record<string, unknown> },
    readonly id: RequestId,
    private readonly server: Server,
    readonly sessionId: string | undefined,
    private readonly info: MessageExtraInfo | undefined,
  ) {}

  /** Aborts when the client cancels the request or its connection closes. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** The client cancelled the request (`reason` as it gave it) or its connection closed (undefined). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }

  notify(notification: ServerNotification): Promise<void> {
    if (this.aborted) return Promise.resolve();
    return this.server.notification(notification, this.related<NotificationOptions>({ relatedRequestId: this.id }));
  }

  // The schema is the engine's answer schema (answers.ts); the SDK parses the client's answer with it.
  request<T>(
    message: { method: string; params?: Record<string, unknown> },
    schema: z.ZodType<T>,
    options?: ClientRequestOptions,
  ): Promise<T> {
    if (this.aborted) return Promise.reject(new McpError(ErrorCode.ConnectionClosed, 'Request was cancelled'));
    const sent = this.related<RequestOptions>({ ...options, relatedRequestId: this.id });
    return this.server.request(message as ServerRequest, schema as never, sent) as Promise<T>;
  }

  /**
   * `params.task` as the SDK's entry reads it (its task-augmentation schema: an object whose `ttl`,
   * if any, is a number), else undefined: what asks the server's task-support check and gives the
   * extra its `taskRequestedTtl`.
   */
  get taskCreation(): { ttl?: number } | undefined {
    const task = this.message.params?.['task'];
    if (typeof task !== 'object' || task === null || Array.isArray(task)) return undefined;
    const ttl = (task as Record<string, unknown>)['ttl'];
    return ttl === undefined || typeof ttl === 'number' ? (task as { ttl?: number }) : undefined;
  }

  /** The SDK's extra for this request, as its own request entry would have made it (made once). */
  get extra(): ServerExtra {
    return (this.fullExtra ??= this.makeExtra());
  }

  private makeExtra(): ServerExtra {
    const params = this.message.params;
    return {
      signal: this.signal,
      sessionId: this.sessionId,
      _meta: params?.['_meta'] as ServerExtra['_meta'],
      sendNotification: (notification) => this.notify(notification),
      sendRequest: (message, schema, options) => this.request(message, schema as never, options),
      authInfo: this.info?.authInfo,
      requestId: this.id,
      requestInfo: this.info?.requestInfo,
      taskId: this.relatedTaskId(),
      taskRequestedTtl: this.taskCreation?.ttl,
      closeSSEStream: this.info?.closeSSEStream,
      closeStandaloneSSEStream: this.info?.closeStandaloneSSEStream,
    } as ServerExtra;
  }

  /** The task a client said this request belongs to (`_meta` related-task), if any. */
  private relatedTaskId(): string | undefined {
    const meta = this.message.params?.['_meta'] as Record<string, unknown> | undefined;
    const related = meta?.[RELATED_TASK_META_KEY] as { taskId?: unknown } | undefined;
    return typeof related?.taskId === 'string' ? related.taskId : undefined;
  }

  /** What the SDK adds to a message sent within a request that belongs to a task. */
  private related<T extends { relatedTask?: { taskId: string } }>(options: T): T {
    const taskId = this.relatedTaskId();
    if (taskId !== undefined && !options.relatedTask) options.relatedTask = { taskId };
    return options;
  }
}
