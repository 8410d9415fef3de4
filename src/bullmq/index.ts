/**
 * Worker pools on BullMQ: run task work on separate worker processes, apart from the MCP fronts.
 * `bullmq` is an optional peer dependency: install it to use this entry point.
 * @packageDocumentation
 */
export { createWorkerPool } from './BullmqWorkerPool.js';
export type { ToolQueueOptions, ToolQueueView, WorkerPool, WorkerPoolOptions } from './BullmqWorkerPool.js';
export type { JobHandlers, LostJob, TaskJob, TaskPlacement } from '../backends/TaskPlacement.js';
