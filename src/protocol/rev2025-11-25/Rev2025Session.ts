import type { ClientCapabilities, ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import type { QueuedRequest } from '../../backends/TaskMessageQueue.js';
import type { ClientChannel } from '../../engine/ClientTasks.js';
import type { TaskSession } from '../../engine/TaskEngine.js';
import type { SessionRouter } from '../../session/SessionRouter.js';
import type { TaskRecord } from '../../types.js';
import { toTask } from './wire.js';

/**
 * How a 2025-11-25 task reaches its client outside `tasks/result`: the server's session, status
 * pushed as `notifications/tasks/status`. One per connection, shared by its tasks, and kept by them
 * after the session ended for as long as they live.
 *
 * A class, so its methods are shared by every session. It was an object of nine closures built
 * with a conditional spread (`...(client ? { client } : {})`), which on Node 20 (V8 11.3) gets a
 * hidden class of its own per object (seen in a heap snapshot: one per session): about 1 KB of
 * every session that made a task (bench/sessionHeap.ts), held until its last task ends.
 * @internal
 */
export class Rev2025Session implements TaskSession {
  /** Undefined on an SDK line that cannot send requests outside a call. */
  readonly client: ClientChannel | undefined;

  constructor(
    private readonly router: SessionRouter,
    /** What to assume where no initialize came on this connection: stateless HTTP (options.ts statelessClientCapabilities). */
    readonly stateless: ClientCapabilities | undefined,
  ) {
    this.client = router.clientChannel();
  }

  clientCapabilities(): ClientCapabilities | undefined {
    return this.router.clientCapabilities() ?? this.stateless;
  }

  notify(notification: ServerNotification): Promise<boolean> {
    return this.router.send(notification);
  }

  request(taskId: string, request: QueuedRequest): Promise<boolean> {
    return this.router.request(taskId, request);
  }

  reorders(): boolean {
    return this.router.reorders;
  }

  async statusChanged(record: TaskRecord): Promise<void> {
    await this.router.send({ method: 'notifications/tasks/status', params: toTask(record) });
  }

  created(): void {
    this.router.holdSends();
  }

  held(): Promise<void> | undefined {
    return this.router.holding;
  }

  forget(requestIds: readonly string[]): void {
    this.router.forget(requestIds);
  }
}
