import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import { CreateMessageRequestSchema, ElicitRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Result } from '@modelcontextprotocol/sdk/types.js';
import { CLIENT_POLL_MS, CLIENT_TTL_MS } from './clientTaskModel.js';
import type { ClientTaskCombination } from './clientTaskCombination.js';
import type { SpecStatus } from './specOracle.js';

/** The receiver's store, recording every status its tasks hold (the receiver's own history, for the oracle). */
class RecordingTaskStore extends InMemoryTaskStore {
  readonly history: SpecStatus[] = [];
  override async createTask(...args: Parameters<InMemoryTaskStore['createTask']>) {
    const task = await super.createTask(...args);
    this.history.push(task.status);
    return task;
  }
  override async storeTaskResult(...args: Parameters<InMemoryTaskStore['storeTaskResult']>) {
    await super.storeTaskResult(...args);
    this.history.push(args[1]);
  }
  override async updateTaskStatus(...args: Parameters<InMemoryTaskStore['updateTaskStatus']>) {
    await super.updateTaskStatus(...args);
    this.history.push(args[1]);
  }
}

/** The SDK's request-bound task store (`extra.taskStore`): it sends `notifications/tasks/status` on each change. */
interface NotifyingStore {
  updateTaskStatus(id: string, status: SpecStatus, message?: string): Promise<void>;
  storeTaskResult(id: string, status: 'completed' | 'failed', result: Result): Promise<void>;
}

/**
 * The receiving side: a real SDK v1 `Client` with a task store, which answers `tasks/get`,
 * `tasks/result` and `tasks/cancel` itself. Its elicitation and sampling handlers park the server's
 * task-augmented request until the path has it create its task (or refuse); afterwards the path
 * moves that task, with a notification (through the SDK's request-bound store) or silently.
 */
export class TaskReceiver {
  readonly client: Client;
  readonly store = new RecordingTaskStore();
  /** The status the CreateTaskResult carried. */
  created: SpecStatus | undefined;
  taskId: string | undefined;
  /** What the receiver stored as its task's result (what `tasks/result` delivers). */
  storedResult: Result | undefined;
  private pending: { notifying: NotifyingStore; resolve(value: Result): void; reject(error: unknown): void } | undefined;
  private notifying: NotifyingStore | undefined;
  private reports = 0;

  constructor(private readonly input: ClientTaskCombination['input']) {
    this.client = new Client(
      { name: 'client-task-receiver', version: '1.0.0' },
      {
        capabilities: {
          elicitation: { form: {} },
          sampling: {},
          tasks: { cancel: {}, requests: { elicitation: { create: {} }, sampling: { createMessage: {} } } },
        },
        taskStore: this.store,
      },
    );
    const park = (extra: { taskStore?: unknown }) =>
      new Promise<Result>((resolve, reject) => (this.pending = { notifying: extra.taskStore as NotifyingStore, resolve, reject }));
    this.client.setRequestHandler(ElicitRequestSchema, (_request, extra) => park(extra) as never);
    this.client.setRequestHandler(CreateMessageRequestSchema, (_request, extra) => park(extra) as never);
  }

  /** Whether the server's task-augmented request waits in a handler. */
  get asked(): boolean {
    return this.pending !== undefined;
  }

  /** Creates the task, moves it to `status` before answering (silently), and answers with the CreateTaskResult. */
  async create(status: SpecStatus): Promise<void> {
    const { notifying, resolve } = this.take();
    const task = await this.store.createTask({ ttl: CLIENT_TTL_MS, pollInterval: CLIENT_POLL_MS }, 'paths', {
      method: 'paths',
      params: {},
    });
    this.taskId = task.taskId;
    this.notifying = notifying;
    if (status !== 'working') await this.move(status, false);
    const answered = (await this.store.getTask(task.taskId))!;
    this.created = answered.status;
    resolve({ task: answered });
  }

  /**
   * Takes the task-augmented request to answer it plainly, as a receiver that runs it without a task
   * does: SDK v1's Client refuses to (its handler's answer must be a CreateTaskResult), so the wire
   * sends the answer (ClientTaskWire.answer) and this handler is left unanswered. Returns the answer.
   */
  answerPlainly(): Result {
    this.take();
    this.storedResult = resultFor(this.input, 'completed');
    return this.storedResult;
  }

  /** Answers the task-augmented request with a JSON-RPC error. */
  refuse(): void {
    this.take().reject(new McpError(-32603, 'the receiver cannot run this request as a task'));
  }

  /** Moves its task to `status`, with `notifications/tasks/status` or silently; a result status stores its result. */
  async move(status: SpecStatus, notify: boolean): Promise<void> {
    if (this.taskId === undefined) throw new Error(`the receiver has no task to report ${status} about`);
    const target: NotifyingStore = notify ? this.notifying! : this.store;
    if (status === 'completed' || status === 'failed') {
      this.storedResult = resultFor(this.input, status);
      await target.storeTaskResult(this.taskId, status, this.storedResult);
    } else await target.updateTaskStatus(this.taskId, status, `report ${++this.reports}`);
  }

  /** The status its task has now (undefined once dropped). */
  async status(): Promise<SpecStatus | undefined> {
    return this.taskId === undefined ? undefined : (await this.store.getTask(this.taskId))?.status;
  }

  /** Forgets its task, as its own ttl cleanup does: `tasks/get` and `tasks/result` then answer -32602. */
  drop(): void {
    this.store.cleanup();
  }

  /** Ends: a request still parked is refused, the store's timers are cleared. */
  close(): void {
    this.pending?.reject(new McpError(-32603, 'path over'));
    this.store.cleanup();
  }

  private take(): NonNullable<TaskReceiver['pending']> {
    const pending = this.pending;
    if (!pending) throw new Error('no task-augmented request is waiting at the receiver');
    this.pending = undefined;
    return pending;
  }
}

/** What the receiver stores as its task's result: the answer of a completed task, and one for a failed task. */
function resultFor(input: ClientTaskCombination['input'], status: 'completed' | 'failed'): Result {
  if (input === 'elicitation') return status === 'completed' ? { action: 'accept', content: { ok: true } } : { action: 'decline' };
  return { role: 'assistant', content: { type: 'text', text: `the receiver's task ${status}` }, model: 'model-paths' };
}
