/**
 * One in-memory session per test whose tasks-extension traffic is checked against ext-tasks'
 * generated schemas (extTasksConformance.ts), for a test file that sends 2026-style requests on a
 * single session. Registers the file's hooks when called at its top level:
 *
 * - before each test: a new TaskSupport and a session of a new McpServer with the file's tools, its
 *   client's transport tapped;
 * - after each test: the session and the TaskSupport closed, and no answer of the test refused by
 *   ext-tasks' schemas;
 * - after the file: the tap checked at least one answer of each method in `checked` (a tap that saw
 *   nothing would pass every after-each).
 */
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { CLIENT_CAPABILITIES_META_KEY, TASKS_EXTENSION_ID } from '../../src/client/index.js';
import type { TaskSupport } from '../../src/index.js';
import { connectInMemory } from './harness.js';
import type { Session } from './harness.js';
import { emptyConformance, tapExtensionTraffic } from './extTasksConformance.js';
import type { Conformance } from './extTasksConformance.js';

/** What a 2026-style request declares unless told otherwise: the tasks extension and form elicitation. */
export const EXTENSION_CAPABILITIES = { extensions: { [TASKS_EXTENSION_ID]: {} }, elicitation: { form: {} } };

export interface TappedExtensionSession {
  /** The current test's TaskSupport. */
  readonly tasks: TaskSupport;
  /** The current test's session. */
  readonly session: Session;
  /** What the tap made of the file's extension traffic so far. */
  readonly conformance: Conformance;
  /**
   * A request of the current session with these per-request client capabilities (default:
   * {@link EXTENSION_CAPABILITIES}); null for none, i.e. a 2025-11-25 request.
   */
  request(method: string, params: Record<string, unknown>, capabilities?: Record<string, unknown> | null): Promise<Record<string, unknown>>;
}

export function tappedExtensionSession(setup: {
  /** Makes each test's TaskSupport. */
  tasks: () => TaskSupport;
  /** Registers the file's tools on each test's server (before `enable`). */
  tools: (tasks: TaskSupport, server: McpServer) => void;
  /** The methods the tap must have checked an answer of by the file's end. */
  checked: readonly string[];
}): TappedExtensionSession {
  const conformance = emptyConformance();
  let tasks: TaskSupport | undefined;
  let session: Session | undefined;
  const current = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('tappedExtensionSession: used outside a test');
    return value;
  };
  beforeEach(async () => {
    const made = (tasks = setup.tasks());
    session = await connectInMemory(made, (server) => setup.tools(made, server));
    tapExtensionTraffic(session.client, conformance);
  });
  afterEach(async () => {
    await session?.close();
    await tasks?.close();
    session = tasks = undefined;
    // Every extension answer of the test parsed with @modelcontextprotocol/ext-tasks' generated schemas.
    expect(conformance.violations).toEqual([]);
  });
  afterAll(() => {
    for (const method of setup.checked) expect(conformance.checked.get(method) ?? 0, method).toBeGreaterThan(0);
  });
  return {
    get tasks() {
      return current(tasks);
    },
    get session() {
      return current(session);
    },
    conformance,
    request(method, params, capabilities = EXTENSION_CAPABILITIES) {
      const meta = capabilities === null ? {} : { _meta: { [CLIENT_CAPABILITIES_META_KEY]: capabilities } };
      return current(session).client.request({ method, params: { ...params, ...meta } }, z.looseObject({}));
    },
  };
}
