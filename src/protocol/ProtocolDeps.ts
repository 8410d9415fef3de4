import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { TaskEngine } from '../engine/TaskEngine.js';
import type { WorkSafeguards } from '../engine/WorkSafeguards.js';

/** What every protocol's handlers are built with. */
export interface ProtocolDeps {
  readonly engine: TaskEngine;
  /** `tasks/list` page size. */
  readonly pageSize: number;
  /** For extension clients: ms an `optional` tool runs inline before its call is answered with a task. */
  readonly promoteAfter: number;
  /** Runs a tool's work through the safeguards (error mapping, result size, input cap). */
  readonly safeguards: Pick<WorkSafeguards, 'runInline' | 'inlineShutdown' | 'capInputs' | 'fitted' | 'failure'>;
  /** 2025-11-25 tasks: the client's capabilities when its connection never carried an initialize (stateless HTTP). */
  readonly statelessClientCapabilities?: ClientCapabilities | undefined;
}
