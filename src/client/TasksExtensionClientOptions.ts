import type {
  ClientCapabilities,
  CreateMessageRequest,
  CreateMessageResult,
  CreateMessageResultWithTools,
  ElicitRequest,
  ElicitResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { ExtensionDetailedTask, ExtensionTask } from '../protocol/tasksExtension/wire.js';

/** What an input-request handler is told besides the request's params. */
export interface InputRequestContext {
  /** The task that asks. */
  taskId: string;
  /** The request's key in `inputRequests` (unique over the task's life). */
  key: string;
  /** Aborts when the call that polls the task ends (result, error, cancel). */
  signal: AbortSignal;
}

/** Options of `TasksExtensionClient`. */
export interface TasksExtensionClientOptions {
  /** Answers `elicitation/create` input requests; without it the client does not declare `elicitation`. */
  onElicitation?: (params: ElicitRequest['params'], context: InputRequestContext) => ElicitResult | Promise<ElicitResult>;
  /** Answers `sampling/createMessage` input requests; without it the client does not declare `sampling`. */
  onSampling?: (
    params: CreateMessageRequest['params'],
    context: InputRequestContext,
  ) => CreateMessageResult | CreateMessageResultWithTools | Promise<CreateMessageResult | CreateMessageResultWithTools>;
  /**
   * The per-request client capabilities to declare (the extension is always added). Default:
   * `elicitation: { form: {} }` with `onElicitation`, `sampling: {}` with `onSampling`; declare
   * `elicitation.url` or `sampling.tools` here when your handlers support them.
   */
  capabilities?: ClientCapabilities;
  /**
   * Poll interval (ms) when the server suggests none. Default 1000. From 1 to 2^31-1 (what a timer
   * can wait); anything else is refused with a RangeError at construction.
   */
  defaultPollIntervalMs?: number;
  /**
   * Input requests of one call handed to `onElicitation` / `onSampling` at once; the server's others
   * wait for a later poll. Default 8. A whole number of at least 1, or `Infinity` for no bound;
   * anything else is refused with a RangeError at construction (0 would answer none, ever).
   */
  maxConcurrentInputs?: number;
  /**
   * Sends the task-creating `tools/call` and resolves with its raw JSON-RPC `result` (or rejects with
   * its error). Needed on an SDK v2 `Client`, which refuses a `resultType: "task"` answer in its
   * `request` and `callTool` (e.g. send it with the v2 client's own `StreamableHTTPClientTransport`).
   * Every other request goes through the client.
   *
   * @deprecated On an SDK v2 `Client` use the MCP project's requester instead,
   * `createTaskSessionFromClient` from `@modelcontextprotocol/ext-tasks/client` (its `rawDispatch`
   * plays this part); see docs/protocols.md, "The client helper and the official requester". Kept
   * working until the next breaking release.
   */
  rawToolCall?: (params: Record<string, unknown>, signal?: AbortSignal) => Promise<Record<string, unknown>>;
}

/** Options of one `TasksExtensionClient.callTool`. */
export interface ExtensionCallOptions {
  /** Aborting cancels the task (best effort) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Timeout (ms) of each JSON-RPC request (not of the whole call). SDK default otherwise. From 1 to
   * 2^31-1 (what a timer can wait): anything else rejects the call with a RangeError before it sends.
   */
  requestTimeout?: number;
  /** Called once when the server answers with a task (persist `taskId` to resume after a crash). */
  onTaskCreated?: (task: ExtensionTask) => void;
  /** Called with every `tasks/get` answer. */
  onTaskStatus?: (task: ExtensionDetailedTask) => void;
}
