/**
 * The public API of mcp-task-actors. Everything exported here is a promise to users: add with care.
 * The machines themselves are exported from `mcp-task-actors/machines`.
 */
export { TaskSupport } from './TaskSupport.js';
export type { AnyServer, TaskSupportOptions } from './TaskSupport.js';
export type { TaskContext } from './TaskContext.js';
export { MissingClientCapabilityError } from './TaskContext.js';
export type { TaskToolConfig, TaskToolWork, TaskSupportMode } from './taskTools.js';
export type { TaskStore } from './TaskStore.js';
export { InvalidCursorError } from './TaskStore.js';
export { InMemoryTaskStore } from './InMemoryTaskStore.js';
export type { EnqueueOptions, TaskMessageQueue, QueuedMessage } from './TaskMessageQueue.js';
export { InMemoryTaskMessageQueue } from './InMemoryTaskMessageQueue.js';
export { TaskResultHandler } from './TaskResultHandler.js';
export { defaultIdentify } from './identity.js';
export type { CallerInfo } from './identity.js';
export { isTerminal } from './types.js';
export { defaultInspectionFilter, redactEvent, redactSnapshot, redactValue, sanitizeInspection } from './inspection.js';
export type { InspectionObserver, InspectionSanitizer } from './inspection.js';
export { LIMIT_EXCEEDED, defaultTaskLimits } from './limits.js';
export type { LimitExceededData, LimitName, RateLimit, RateLimitName, RateOption, TaskLimits } from './limits.js';
export type { ErrorMapper, WorkErrorContext } from './errorMapping.js';
export { ANONYMOUS_OWNER } from './callerBinding.js';
export type { UnidentifiedCallers } from './callerBinding.js';
// The tasks extension (io.modelcontextprotocol/tasks); its client helper is `mcp-task-actors/client`.
export { CLIENT_CAPABILITIES_META_KEY, MISSING_REQUIRED_CLIENT_CAPABILITY, TASKS_EXTENSION_ID } from './tasksExtensionWire.js';
export type {
  ExtensionCreateTaskResult,
  ExtensionDetailedTask,
  ExtensionTask,
  InputRequest,
  InputRequests,
  InputResponses,
} from './tasksExtensionWire.js';
export type {
  JsonRpcErrorShape,
  TaskOutcome,
  TaskPage,
  TaskRecord,
  TaskStatus,
  TerminalTaskStatus,
} from './types.js';
