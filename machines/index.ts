export { taskMachine } from './task.js';
export type {
  AnnounceParams,
  SettleParams,
  TaskMachine,
  TaskMachineContext,
  TaskMachineEvent,
  TaskStatus,
  TerminalTaskStatus,
} from './task.js';
export { taskSupportMachine } from './taskSupport.js';
export type { TaskSupportEvent, TaskSupportMachine } from './taskSupport.js';
export { createTaskSupervisor } from './taskSupervisor.js';
export type {
  TaskCrashedEvent,
  TaskMissingEvent,
  TaskSupervisorEvent,
  TaskSupervisorLogic,
  TaskSupervisorSnapshot,
} from './taskSupervisor.js';
export { clientTaskMachine } from './clientTask.js';
export type {
  ClientTaskMachine,
  ClientTaskMachineContext,
  ClientTaskMachineEvent,
  ClientTaskMachineInput,
  ClientTaskSettleParams,
  ClientTaskSnapshot,
} from './clientTask.js';
