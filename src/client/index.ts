/**
 * Client side of the MCP tasks extension (`io.modelcontextprotocol/tasks`), for SDK v1 clients:
 * `import { TasksExtensionClient } from 'mcp-task-actors/client'`. Pulls in no server code, and no
 * `@modelcontextprotocol/ext-tasks` (the MCP project's requester, which SDK v2 clients should use).
 */
export { TasksExtensionClient } from './TasksExtensionClient.js';
export type { ExtensionCallOptions, InputRequestContext, TasksExtensionClientOptions } from './TasksExtensionClientOptions.js';
export type { SdkV2Client } from './SdkV2Client.js';
export {
  CLIENT_CAPABILITIES_META_KEY,
  ExtensionDetailedTaskSchema,
  ExtensionTaskSchema,
  MISSING_REQUIRED_CLIENT_CAPABILITY,
  TASKS_EXTENSION_ID,
} from '../protocol/tasksExtension/wire.js';
export type {
  ExtensionCreateTaskResult,
  ExtensionDetailedTask,
  ExtensionTask,
  InputRequest,
  InputRequests,
  InputResponses,
} from '../protocol/tasksExtension/wire.js';
