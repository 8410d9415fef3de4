/**
 * The public API of mcp-task-actors. Everything exported here is a promise to users: add with care.
 * The machines themselves are exported from `mcp-task-actors/machines`.
 */
export { TaskSupport } from './TaskSupport.js';
export type { TaskSupportOptions } from './options.js';
export type { AnyServer } from './sdk/index.js';
export type { TaskContext } from './engine/TaskContext.js';
export { MissingClientCapabilityError } from './engine/TaskContext.js';
export { UnreachableClientError } from './sdk/UnreachableClientError.js';
export type { RegisteredTaskTool, TaskToolConfig, TaskToolUpdate, TaskToolWork, TaskSupportMode } from './session/toolRegistry.js';
// The backends' contracts. Renamed in 0.2 so that no name means two things beside the SDK's
// experimental tasks (its TaskStore, InMemoryTaskStore, TaskMessageQueue, InMemoryTaskMessageQueue,
// QueuedMessage, QueuedRequest); the old names stay one release as deprecated aliases.
export type { TaskRecordStore, TaskStore, WaitOptions } from './backends/TaskStore.js';
export { InvalidCursorError } from './backends/TaskStore.js';
export { InMemoryTaskRecordStore, InMemoryTaskStore } from './backends/InMemoryTaskStore.js';
export type {
  EnqueueOptions,
  OutboxMessage,
  OutboxRequest,
  QueuedMessage,
  QueuedRequest,
  TaskMessageQueue,
  TaskOutbox,
} from './backends/TaskMessageQueue.js';
export type { ClusterCommand, ClusterHandlers, TaskCluster } from './backends/TaskCluster.js';
export type { JobHandlers, TaskJob, TaskPlacement } from './backends/TaskPlacement.js';
export { InMemoryTaskMessageQueue, InMemoryTaskOutbox } from './backends/InMemoryTaskMessageQueue.js';
export { defaultIdentify } from './session/caller.js';
export type { CallerInfo } from './session/caller.js';
export { isTerminal } from './types.js';
export { defaultInspectionFilter, redactEvent, redactSnapshot, redactValue, sanitizeInspection } from './inspect/inspection.js';
export type { InspectionObserver, InspectionSanitizer } from './inspect/inspection.js';
export { defaultTaskLimits } from './engine/limits.js';
export type { RateLimit, RateOption, TaskLimits } from './engine/limits.js';
export { LIMIT_EXCEEDED } from './errors.js';
export type { LimitExceededData, LimitName, RateLimitName } from './errors.js';
export type { ErrorMapper, WorkErrorContext } from './engine/errorMapping.js';
export { ANONYMOUS_OWNER } from './session/caller.js';
export type { UnidentifiedCallers } from './session/caller.js';
// The tasks extension (io.modelcontextprotocol/tasks); its client helper is `mcp-task-actors/client`.
export { CLIENT_CAPABILITIES_META_KEY, MISSING_REQUIRED_CLIENT_CAPABILITY, TASKS_EXTENSION_ID } from './protocol/tasksExtension/wire.js';
export type {
  ExtensionCreateTaskResult,
  ExtensionDetailedTask,
  ExtensionTask,
  InputRequest,
  InputRequests,
  InputResponses,
} from './protocol/tasksExtension/wire.js';
// The fetch entry point `TaskSupport.withTaskSubscriptions` wraps (SDK v2's createMcpHandler(...).fetch).
export type { McpFetch, TaskListenOptions } from './sdk/v2/taskListen.js';
export type { Answer, JsonRpcErrorShape, TaskOutcome, TaskPage, TaskRecord, TaskStatus, TerminalTaskStatus } from './types.js';
