import { afterEach, beforeEach } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import type { TaskSupport, TaskSupportOptions } from '../../src/index.js';
import { connectInMemory, testTaskSupport } from './harness.js';
import type { Session } from './harness.js';
import { Jobs } from './jobs.js';

/** Per-test TaskSupport + one in-memory session with the scripted job tools. */
export function useJobSession(options: TaskSupportOptions = {}): {
  readonly tasks: TaskSupport;
  readonly session: Session;
  readonly jobs: Jobs;
  connect(): Promise<Session>;
} {
  const state = {} as { tasks: TaskSupport; session: Session; jobs: Jobs; extra: Session[] };
  beforeEach(async () => {
    state.tasks = testTaskSupport(options);
    state.jobs = new Jobs();
    state.extra = [];
    state.session = await connectInMemory(state.tasks, (server) => state.jobs.register(state.tasks, server));
  });
  afterEach(async () => {
    for (const s of [state.session, ...state.extra]) await s.close();
    await state.tasks.close();
  });
  return {
    get tasks() {
      return state.tasks;
    },
    get session() {
      return state.session;
    },
    get jobs() {
      return state.jobs;
    },
    /** Another session on the same TaskSupport. */
    async connect() {
      const s = await connectInMemory(state.tasks, (server) => state.jobs.register(state.tasks, server));
      state.extra.push(s);
      return s;
    },
  };
}

/** The McpError a promise rejects with. */
export async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}
