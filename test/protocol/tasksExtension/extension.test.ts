import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  CLIENT_CAPABILITIES_META_KEY,
  MISSING_REQUIRED_CLIENT_CAPABILITY,
  TASKS_EXTENSION_ID,
  TasksExtensionClient,
} from '../../../src/client/index.js';
import type { ExtensionDetailedTask } from '../../../src/client/index.js';
import type { TaskSupport } from '../../../src/index.js';
import { answerWith, registerAskingTools } from '../../support/askingTools.js';
import {
  connectInMemory,
  createTask,
  deferred,
  eventually,
  serverSdkLine,
  taskResult,
  testTaskSupport,
  workerSplit,
} from '../../support/harness.js';
import type { Session } from '../../support/harness.js';
import { rpcError } from '../../support/session.js';
import { emptyConformance, tapExtensionTraffic } from '../../support/extTasksConformance.js';

const POLL = 20;
const PROMOTE_AFTER = 150;
const EXTENSION = { extensions: { [TASKS_EXTENSION_ID]: {} } };
const ANSWER_FORM = {
  type: 'object' as const,
  properties: { value: { type: 'string' as const } },
  required: ['value'],
};

/** What the tools saw, so tests can tell a run from a re-run. */
class Probe {
  readonly starts = new Map<string, number>();
  readonly aborted = new Set<string>();
  readonly outcomes = new Map<string, unknown>();
  private readonly gates = new Map<string, ReturnType<typeof deferred<void>>>();

  gate(key: string): ReturnType<typeof deferred<void>> {
    let gate = this.gates.get(key);
    if (!gate) this.gates.set(key, (gate = deferred<void>()));
    return gate;
  }

  started(key: string): void {
    this.starts.set(key, (this.starts.get(key) ?? 0) + 1);
  }
}

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });
const valueOf = (answer: ElicitResult): string => (answer.action === 'accept' ? String(answer.content?.['value']) : answer.action);

/** The same tools on every session: task tools in both modes plus one plain McpServer tool. */
function registerTools(tasks: TaskSupport, server: McpServer, probe: Probe): void {
  registerAskingTools(tasks, server, probe.outcomes); // ask, sample, logger: all `required`
  tasks.registerTool(server, 'quick', { taskSupport: 'optional', inputSchema: { text: z.string() } }, async ({ text: t }) => {
    probe.started(`quick:${t}`);
    return text(`quick:${t}`);
  });
  tasks.registerTool(server, 'slow', { taskSupport: 'optional', inputSchema: { key: z.string() } }, async ({ key }, task) => {
    probe.started(key);
    await task.status(`slow ${key} started`);
    await probe.gate(key).promise;
    return text(`slow:${key}`);
  });
  tasks.registerTool(server, 'askFirst', { taskSupport: 'optional' }, async (_args, task) => {
    const answer = await task.elicit({ message: 'first?', requestedSchema: ANSWER_FORM });
    return text(`first:${valueOf(answer)}`);
  });
  tasks.registerTool(server, 'pair', { taskSupport: 'required' }, async (_args, task) => {
    const [a, b] = await Promise.all([
      task.elicit({ message: 'a?', requestedSchema: ANSWER_FORM }),
      task.elicit({ message: 'b?', requestedSchema: ANSWER_FORM }),
    ]);
    return text(`${valueOf(a)}+${valueOf(b)}`);
  });
  tasks.registerTool(server, 'boom', { taskSupport: 'required', inputSchema: { rpc: z.boolean() } }, async ({ rpc }) => {
    if (rpc) throw new McpError(ErrorCode.InvalidRequest, 'backend refused', { why: 'quota' });
    throw new Error('plain failure');
  });
  tasks.registerTool(server, 'flaky', { taskSupport: 'optional', inputSchema: { rpc: z.boolean() } }, async ({ rpc }) => {
    if (rpc) throw new McpError(ErrorCode.InvalidRequest, 'inline refused');
    throw new Error('inline plain failure');
  });
  tasks.registerTool(server, 'forever', { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
    probe.started(key);
    return new Promise<CallToolResult>((_resolve, reject) => {
      task.signal.addEventListener('abort', () => {
        probe.aborted.add(key);
        reject(task.signal.reason);
      });
    });
  });
  tasks.registerTool(server, 'patient', { taskSupport: 'optional', inputSchema: { key: z.string() } }, async ({ key }, task) => {
    probe.started(key);
    return new Promise<CallToolResult>((_resolve, reject) => {
      task.signal.addEventListener('abort', () => {
        probe.aborted.add(key);
        reject(task.signal.reason);
      });
    });
  });
  tasks.registerTool(server, 'chatty', { taskSupport: 'optional', inputSchema: { key: z.string() } }, async ({ key }, task) => {
    await task.progress(1, 2, 'half');
    await task.log('info', `${key} before`);
    await probe.gate(key).promise;
    await task.status(`${key} resumed`);
    await task.log('info', `${key} after`);
    await task.progress(2, 2, 'done');
    return text(`chatty:${key}`);
  });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text: t }) => text(`echo:${t}`));
}

let tasks: TaskSupport;
let probe: Probe;
let sessions: Session[];
/** The 2025-11-25 client: SDK `client.experimental.tasks`. */
let legacy: Session;
/** The extension client's session (its SDK Client plus the helper on top). */
let modern: Session;

beforeEach(async () => {
  tasks = testTaskSupport({ pollInterval: POLL, limits: { minPollInterval: POLL }, promoteAfter: PROMOTE_AFTER });
  probe = new Probe();
  sessions = [];
  legacy = await connect();
  modern = await connect();
});
afterEach(async () => {
  for (const s of sessions) await s.close();
  await tasks.close();
  // Every extension answer of the test parsed with @modelcontextprotocol/ext-tasks' generated schemas.
  expect(conformance.violations).toEqual([]);
});

/** What ext-tasks' schemas made of this file's extension traffic (test/support/extTasksConformance.ts). */
const conformance = emptyConformance();

async function connect(): Promise<Session> {
  const session = await connectInMemory(tasks, (server) => registerTools(tasks, server, probe));
  tapExtensionTraffic(session.client, conformance);
  sessions.push(session);
  return session;
}

/** A raw request with per-request client capabilities in `_meta` (a 2026-style request). */
function request(
  client: Client,
  method: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown> | null = { ...EXTENSION, elicitation: { form: {} }, sampling: {} },
): Promise<Record<string, unknown>> {
  // null: no per-request capabilities at all, i.e. a 2025-11-25 request.
  const meta = capabilities === null ? {} : { _meta: { [CLIENT_CAPABILITIES_META_KEY]: capabilities } };
  return client.request({ method, params: { ...params, ...meta } }, z.looseObject({}));
}

function helper(client: Client = modern.client, options: ConstructorParameters<typeof TasksExtensionClient>[1] = {}): TasksExtensionClient {
  return new TasksExtensionClient(client, {
    onElicitation: (params) => ({ action: 'accept', content: { value: `re:${params.message}` } }),
    onSampling: (params) => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `sampled:${JSON.stringify(params.messages[0]?.content)}` },
    }),
    capabilities: { elicitation: { form: {}, url: {} }, sampling: { tools: {} } },
    ...options,
  });
}

async function detailed(taskId: string, client: Client = modern.client): Promise<Record<string, unknown>> {
  return request(client, 'tasks/get', { taskId });
}

async function statusOf(taskId: string): Promise<string> {
  return (await detailed(taskId)).status as string;
}

describe('negotiation', () => {
  it('advertises the extension next to the 2025-11-25 tasks capability', () => {
    const capabilities = modern.client.getServerCapabilities();
    expect(capabilities?.extensions).toEqual({ [TASKS_EXTENSION_ID]: {} });
    expect(capabilities?.tasks).toMatchObject({ cancel: {}, requests: { tools: { call: {} } } });
  });

  it('answers a required tool with a flat CreateTaskResult, and only to a request that declares the extension', async () => {
    const created = await request(modern.client, 'tools/call', { name: 'forever', arguments: { key: 'flat' } });
    // SDK v2's tools/call result encoder adds `content: []` to every tool result (docs/protocols.md).
    const sdkAdds = serverSdkLine === 'v2' ? ['content'] : [];
    // Split: a task handed to a worker pool says so until a worker takes it.
    const splitAdds = workerSplit ? ['statusMessage'] : [];
    expect(Object.keys(created).sort()).toEqual(
      ['createdAt', 'lastUpdatedAt', 'pollIntervalMs', 'resultType', 'status', 'taskId', 'ttlMs', ...sdkAdds, ...splitAdds].sort(),
    );
    if (workerSplit) expect(created['statusMessage']).toBe('Waiting for a worker');
    expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: 3_600_000, pollIntervalMs: POLL });
    expect(created.lastUpdatedAt).toBe(created.createdAt);
    // Durably created before the answer: tasks/get resolves at once.
    expect(await statusOf(created.taskId as string)).toBe('working');
  });

  it('answers -32021 with requiredCapabilities to a 2026-style request without the extension for a required tool', async () => {
    const error = await rpcError(request(modern.client, 'tools/call', { name: 'ask', arguments: { key: 'x' } }, { elicitation: {} }));
    expect(error.code).toBe(MISSING_REQUIRED_CLIENT_CAPABILITY);
    expect(error.data).toEqual({ requiredCapabilities: { extensions: { [TASKS_EXTENSION_ID]: {} } } });
    expect(probe.outcomes.has('x')).toBe(false);
  });

  it('keeps -32601 for a 2025-11-25 client that calls a required tool without task', async () => {
    const error = await rpcError(
      legacy.client.request({ method: 'tools/call', params: { name: 'ask', arguments: { key: 'y' } } }, z.looseObject({})),
    );
    expect(error.code).toBe(ErrorCode.MethodNotFound);
  });

  it('runs an optional tool inline for a 2026-style client without the extension, and plain tools for everyone', async () => {
    const withoutExtension = request(modern.client, 'tools/call', { name: 'slow', arguments: { key: 'noext' } }, {});
    // Inline even though it runs far longer than promoteAfter: a task may never reach this client.
    await new Promise((r) => setTimeout(r, PROMOTE_AFTER + 50));
    probe.gate('noext').resolve();
    expect(await withoutExtension).toEqual({ ...text('slow:noext'), resultType: 'complete' });
    const plain = await request(modern.client, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
    expect(plain).toEqual({ ...text('echo:hi'), resultType: 'complete' });
    expect(await legacy.client.callTool({ name: 'echo', arguments: { text: 'old' } })).toEqual(text('echo:old'));
  });

  it('rule for both at once: a request that declares the extension ignores params.task', async () => {
    const inline = await request(modern.client, 'tools/call', { name: 'quick', arguments: { text: 'both' }, task: { ttl: 5000 } });
    expect(inline).toEqual({ ...text('quick:both'), resultType: 'complete' });
    const created = await request(modern.client, 'tools/call', { name: 'forever', arguments: { key: 'both' }, task: { ttl: 5000 } });
    expect(created).toMatchObject({ resultType: 'task', ttlMs: 3_600_000 });
    expect(created).not.toHaveProperty('task');
    // A 2026-style request without the extension ignores it as well: inline, never a 2025-11-25 task.
    const noExtension = await request(modern.client, 'tools/call', { name: 'quick', arguments: { text: 'plain' }, task: {} }, {});
    expect(noExtension).toEqual({ ...text('quick:plain'), resultType: 'complete' });
  });

  it('gives each protocol only its own methods', async () => {
    const created = await request(modern.client, 'tools/call', { name: 'forever', arguments: { key: 'methods' } });
    const taskId = created.taskId as string;
    for (const method of ['tasks/result', 'tasks/list']) {
      expect((await rpcError(request(modern.client, method, { taskId }))).code).toBe(ErrorCode.MethodNotFound);
      expect((await rpcError(request(modern.client, method, { taskId }, {}))).code).toBe(ErrorCode.MethodNotFound);
    }
    for (const method of ['tasks/get', 'tasks/cancel', 'tasks/update']) {
      const error = await rpcError(request(modern.client, method, { taskId, inputResponses: {} }, { sampling: {} }));
      expect(error.code).toBe(MISSING_REQUIRED_CLIENT_CAPABILITY);
    }
    const legacyUpdate = await rpcError(request(legacy.client, 'tasks/update', { taskId, inputResponses: {} }, null));
    expect(legacyUpdate.code).toBe(ErrorCode.MethodNotFound);
  });

  it('rejects malformed per-request capabilities with -32602', async () => {
    const error = await rpcError(
      modern.client.request(
        { method: 'tools/call', params: { name: 'quick', arguments: { text: 'x' }, _meta: { [CLIENT_CAPABILITIES_META_KEY]: 'yes' } } },
        z.looseObject({}),
      ),
    );
    expect(error.code).toBe(ErrorCode.InvalidParams);
  });
});

describe('one server, both protocols, the same tools', () => {
  it('elicitation round trip: the old client through tasks/result, the new one through inputRequests', async () => {
    answerWith(legacy.client, { elicit: (r) => ({ action: 'accept', content: { value: `old:${r.params.message}` } }) });
    let oldResult: CallToolResult | undefined;
    for await (const m of legacy.client.experimental.tasks.callToolStream({ name: 'ask', arguments: { key: 'o', times: 2 } }, undefined, {
      task: {},
    })) {
      if (m.type === 'result') oldResult = m.result as CallToolResult;
    }
    expect(oldResult?.content).toEqual([{ type: 'text', text: 'old:o question 0,old:o question 1' }]);

    const seen: ExtensionDetailedTask[] = [];
    const result = await helper().callTool({ name: 'ask', arguments: { key: 'n', times: 2 } }, { onTaskStatus: (t) => void seen.push(t) });
    expect(result).toEqual(text('re:n question 0,re:n question 1'));
    const asked = seen.filter((t) => t.status === 'input_required');
    const keys = new Set(asked.flatMap((t) => (t.status === 'input_required' ? Object.keys(t.inputRequests) : [])));
    expect(keys.size).toBe(2); // keys unique over the task's life: the second question is a new key
  });

  it('sampling round trip (with tools) through the helper, and through the old client', async () => {
    const result = await helper().callTool({ name: 'sample', arguments: { text: 'hello', withTools: true } });
    expect(result).toEqual(text(`sampled:${JSON.stringify({ type: 'text', text: 'hello' })}`));
    answerWith(legacy.client, { sample: () => ({ role: 'assistant', model: 'm', content: { type: 'text', text: 'old sample' } }) });
    const task = await createTask(legacy.client, 'sample', { text: 'hi' });
    expect((await taskResult(legacy.client, task.taskId)).content).toEqual([{ type: 'text', text: 'old sample' }]);
  });

  it('shows every outstanding request in inputRequests; tasks/update takes partial answers and ignores unknown keys', async () => {
    const created = await request(modern.client, 'tools/call', { name: 'pair', arguments: {} });
    const taskId = created.taskId as string;
    await eventually(async () => {
      const t = await detailed(taskId);
      return t.status === 'input_required' && Object.keys(t.inputRequests as object).length === 2;
    });
    const asking = await detailed(taskId);
    expect(asking.resultType).toBe('complete');
    const requests = asking.inputRequests as Record<string, { method: string; params: Record<string, unknown> }>;
    const byMessage = new Map(Object.entries(requests).map(([key, r]) => [r.params.message, key]));
    expect([...byMessage.keys()].sort()).toEqual(['a?', 'b?']);
    for (const r of Object.values(requests)) {
      expect(r.method).toBe('elicitation/create');
      expect(r.params).toEqual({ message: r.params.message, requestedSchema: ANSWER_FORM });
    }
    const keyA = byMessage.get('a?')!;
    const keyB = byMessage.get('b?')!;

    const ack = await request(modern.client, 'tasks/update', {
      taskId,
      inputResponses: { [keyA]: { action: 'accept', content: { value: 'A' } }, 'never-issued': { action: 'accept' } },
    });
    expect(ack).toEqual({ resultType: 'complete' });
    await eventually(async () => Object.keys(((await detailed(taskId)).inputRequests ?? {}) as object).join() === keyB);
    expect(await statusOf(taskId)).toBe('input_required');
    // An answered key is no longer outstanding: answering it again changes nothing.
    await request(modern.client, 'tasks/update', { taskId, inputResponses: { [keyA]: { action: 'accept', content: { value: 'again' } } } });
    await request(modern.client, 'tasks/update', { taskId, inputResponses: { [keyB]: { action: 'accept', content: { value: 'B' } } } });
    await eventually(async () => (await statusOf(taskId)) === 'completed');
    expect(await detailed(taskId)).toMatchObject({ status: 'completed', result: text('A+B'), resultType: 'complete' });
  });

  it('refuses a malformed answer with -32602 and keeps the request outstanding', async () => {
    const created = await request(modern.client, 'tools/call', { name: 'ask', arguments: { key: 'bad' } });
    const taskId = created.taskId as string;
    await eventually(async () => (await statusOf(taskId)) === 'input_required');
    const [key] = Object.keys((await detailed(taskId)).inputRequests as object);
    const error = await rpcError(request(modern.client, 'tasks/update', { taskId, inputResponses: { [key!]: { action: 'maybe' } } }));
    expect(error.code).toBe(ErrorCode.InvalidParams);
    expect(Object.keys((await detailed(taskId)).inputRequests as object)).toEqual([key]);
    await request(modern.client, 'tasks/update', { taskId, inputResponses: { [key!]: { action: 'decline' } } });
    await eventually(async () => (await statusOf(taskId)) === 'completed');
    expect((await detailed(taskId)).result).toEqual(text('decline'));
  });

  it('one engine under both: a 2025-11-25 task seen and answered through the extension in its own session', async () => {
    // No tasks/result is open, so the request is also pushed on the legacy session's stream: park it
    // there unanswered, so the answer this test sends through the extension is the one that counts.
    const parked: (() => void)[] = [];
    answerWith(legacy.client, { elicit: () => new Promise<ElicitResult>((resolve) => parked.push(() => resolve({ action: 'cancel' }))) });
    const task = await createTask(legacy.client, 'ask', { key: 'mixed' });
    await eventually(async () => (await request(legacy.client, 'tasks/get', { taskId: task.taskId })).status === 'input_required');
    // Pushed once its input_required is stored: wait for it to be parked before answering (split:
    // a worker has no stream of this session, so nothing is pushed; see the end of this test).
    if (!workerSplit) await eventually(() => parked.length === 1);
    const view = await request(legacy.client, 'tasks/get', { taskId: task.taskId });
    const [key] = Object.keys(view.inputRequests as object);
    await request(legacy.client, 'tasks/update', {
      taskId: task.taskId,
      inputResponses: { [key!]: { action: 'accept', content: { value: 'via-update' } } },
    });
    // The 2025-11-25 side sees the same actor finish; the request is not sent again by tasks/result.
    expect((await taskResult(legacy.client, task.taskId)).content).toEqual([{ type: 'text', text: 'via-update' }]);
    expect((await legacy.client.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
    // Pushed once, not sent again. Split, nothing was pushed, and tasks/result takes the queue: while
    // the answer is still on its way to the worker the request is outstanding and asked; once the
    // task has ended it is not (an ended task's requests are dropped, TaskResultHandler's deliver).
    if (workerSplit) expect(parked.length).toBeLessThanOrEqual(1);
    else expect(parked).toHaveLength(1);
    parked.forEach((release) => release()); // a late answer to an ended task is dropped with a warning
  });

  it('maps outcomes: isError results are completed, JSON-RPC errors are failed (the 2025-11-25 view keeps failed)', async () => {
    const plain = await request(modern.client, 'tools/call', { name: 'boom', arguments: { rpc: false } });
    const rpc = await request(modern.client, 'tools/call', { name: 'boom', arguments: { rpc: true } });
    await eventually(async () => (await statusOf(plain.taskId as string)) === 'completed');
    expect(await detailed(plain.taskId as string)).toMatchObject({
      status: 'completed',
      statusMessage: 'plain failure',
      result: { content: [{ type: 'text', text: 'plain failure' }], isError: true },
    });
    await eventually(async () => (await statusOf(rpc.taskId as string)) === 'failed');
    const failed = await detailed(rpc.taskId as string);
    expect(failed.error).toEqual({ code: ErrorCode.InvalidRequest, message: 'backend refused', data: { why: 'quota' } });
    expect(failed).not.toHaveProperty('result');
    const error = await rpcError(helper().callTool({ name: 'boom', arguments: { rpc: true } }));
    expect([error.code, error.data]).toEqual([ErrorCode.InvalidRequest, { why: 'quota' }]);
    expect(await helper().callTool({ name: 'boom', arguments: { rpc: false } })).toMatchObject({ isError: true });
    // The same kind of task seen by a 2025-11-25 client: failed, with the isError result from tasks/result.
    const old = await createTask(legacy.client, 'boom', { rpc: false });
    expect(await taskResult(legacy.client, old.taskId)).toMatchObject({ isError: true });
    expect((await legacy.client.experimental.tasks.getTask(old.taskId)).status).toBe('failed');
  });

  it('answers optional tools that fail fast inline: isError as a result, JSON-RPC errors as errors', async () => {
    expect(await request(modern.client, 'tools/call', { name: 'flaky', arguments: { rpc: false } })).toEqual({
      content: [{ type: 'text', text: 'inline plain failure' }],
      isError: true,
      resultType: 'complete',
    });
    const error = await rpcError(request(modern.client, 'tools/call', { name: 'flaky', arguments: { rpc: true } }));
    expect(error.code).toBe(ErrorCode.InvalidRequest);
  });
});

describe('promotion of optional tools', () => {
  it('answers a fast optional call inline and keeps no task behind', async () => {
    const result = await request(modern.client, 'tools/call', { name: 'quick', arguments: { text: 'fast' } });
    expect(result).toEqual({ ...text('quick:fast'), resultType: 'complete' });
    // Split: the worker's actor stops just after its result is stored, so just after the answer.
    if (workerSplit) await eventually(() => tasks.liveTaskActors === 0, 1_000);
    expect(tasks.liveTaskActors).toBe(0);
    // Nothing left that a 2025-11-25 tasks/list of the same session would show.
    expect((await modern.client.experimental.tasks.listTasks()).tasks).toEqual([]);
    expect(await helper().callTool({ name: 'quick', arguments: { text: 'helper' } })).toEqual(text('quick:helper'));
  });

  it('promotes a slow optional call to a task after promoteAfter, without restarting the work', async () => {
    const started = Date.now();
    const created = await request(modern.client, 'tools/call', { name: 'slow', arguments: { key: 'p1' } });
    const waited = Date.now() - started;
    expect(created).toMatchObject({ resultType: 'task', status: 'working', statusMessage: 'slow p1 started' });
    expect(waited).toBeGreaterThanOrEqual(PROMOTE_AFTER - 5);
    expect(waited).toBeLessThan(PROMOTE_AFTER + 2000);
    probe.gate('p1').resolve();
    await eventually(async () => (await statusOf(created.taskId as string)) === 'completed');
    expect((await detailed(created.taskId as string)).result).toEqual(text('slow:p1'));
    expect(probe.starts.get('p1')).toBe(1);
  });

  it('the helper polls a promoted call to its result', async () => {
    let createdAfter: number | undefined;
    const started = Date.now();
    const call = helper().callTool(
      { name: 'slow', arguments: { key: 'p2' } },
      { onTaskCreated: () => void (createdAfter = Date.now() - started) },
    );
    await eventually(() => createdAfter !== undefined);
    probe.gate('p2').resolve();
    expect(await call).toEqual(text('slow:p2'));
    expect(probe.starts.get('p2')).toBe(1);
  });

  it('promotes at once when the work asks for input before promoteAfter', async () => {
    const slowPromotion = testTaskSupport({ promoteAfter: 60_000 });
    const session = await connectInMemory(slowPromotion, (server) => registerTools(slowPromotion, server, probe));
    tapExtensionTraffic(session.client, conformance);
    try {
      const started = Date.now();
      const created = await request(session.client, 'tools/call', { name: 'askFirst', arguments: {} });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(created).toMatchObject({ resultType: 'task', status: 'input_required' });
      const result = await helper(session.client).waitForTask(created as { taskId: string; status: 'input_required' });
      expect(result).toEqual(text('first:re:first?'));
    } finally {
      await session.close();
      await slowPromotion.close();
    }
  });

  it('sends logs and progress on the call while it is unanswered, none after promotion, and never task status notifications', async () => {
    const progress: unknown[] = [];
    const created = await modern.client.request(
      {
        method: 'tools/call',
        params: { name: 'chatty', arguments: { key: 'talk' }, _meta: { [CLIENT_CAPABILITIES_META_KEY]: EXTENSION } },
      },
      z.looseObject({}),
      { onprogress: (p) => void progress.push(p) },
    );
    expect(created.resultType).toBe('task');
    // Split (work on a worker): the call's stream is on the front, so the work's logs and progress
    // wait in the task's message queue instead (docs/redis.md, Worker pools).
    expect(progress).toEqual(workerSplit ? [] : [{ progress: 1, total: 2, message: 'half' }]);
    const logs = () => modern.notifications.filter((n) => n.method === 'notifications/message').map((n) => n.params);
    expect(logs()).toEqual(workerSplit ? [] : [{ level: 'info', data: 'talk before' }]);
    probe.gate('talk').resolve();
    await eventually(async () => (await statusOf(created.taskId as string)) === 'completed');
    expect(progress).toHaveLength(workerSplit ? 0 : 1);
    expect(logs()).toHaveLength(workerSplit ? 0 : 1);
    expect(modern.notifications.filter((n) => n.method.startsWith('notifications/tasks'))).toEqual([]);
  });

  it('a tools/call cancelled before it is answered cancels its task and leaves nothing behind', async () => {
    const controller = new AbortController();
    const call = modern.client.request(
      {
        method: 'tools/call',
        params: { name: 'patient', arguments: { key: 'gaveup' }, _meta: { [CLIENT_CAPABILITIES_META_KEY]: EXTENSION } },
      },
      z.looseObject({}),
      { signal: controller.signal },
    );
    await eventually(() => probe.starts.get('gaveup') === 1);
    controller.abort(new Error('caller left'));
    await expect(call).rejects.toThrow('caller left');
    await eventually(() => probe.aborted.has('gaveup'));
    await eventually(() => tasks.liveTaskActors === 0);
    // The task is forgotten once its actor's last write is stored (later on Redis than in memory).
    await eventually(async () => (await modern.client.experimental.tasks.listTasks()).tasks.length === 0);
  });

  it('the legacy client still gets an optional tool inline however long it runs', async () => {
    const call = legacy.client.callTool({ name: 'slow', arguments: { key: 'old-inline' } });
    await new Promise((r) => setTimeout(r, PROMOTE_AFTER + 50));
    probe.gate('old-inline').resolve();
    expect(await call).toEqual(text('slow:old-inline'));
  });
});

describe('cancel, unknown ids, isolation', () => {
  it('cancel: empty ack, the same actor path (work aborted), then cancelled', async () => {
    const created = await request(modern.client, 'tools/call', { name: 'forever', arguments: { key: 'c1' } });
    const taskId = created.taskId as string;
    await eventually(() => probe.starts.get('c1') === 1);
    expect(await request(modern.client, 'tasks/cancel', { taskId })).toEqual({ resultType: 'complete' });
    await eventually(async () => (await statusOf(taskId)) === 'cancelled');
    // Split: the worker hears of the cancel a moment after the front stored it.
    if (workerSplit) await eventually(() => probe.aborted.has('c1'));
    expect(probe.aborted.has('c1')).toBe(true);
    const cancelled = await detailed(taskId);
    expect(cancelled).not.toHaveProperty('result');
    expect(cancelled).not.toHaveProperty('error');
    // Cancelling a terminal task is still an ack and changes nothing.
    expect(await request(modern.client, 'tasks/cancel', { taskId })).toEqual({ resultType: 'complete' });
    const done = await request(modern.client, 'tools/call', { name: 'boom', arguments: { rpc: false } });
    await eventually(async () => (await statusOf(done.taskId as string)) === 'completed');
    await request(modern.client, 'tasks/cancel', { taskId: done.taskId });
    expect(await statusOf(done.taskId as string)).toBe('completed');
  });

  it('aborting the helper cancels the task on the server, also while it waits for input', async () => {
    const controller = new AbortController();
    const created = deferred<string>();
    const never = deferred<ElicitResult>();
    const client = helper(modern.client, { onElicitation: () => never.promise });
    const call = client.callTool(
      { name: 'ask', arguments: { key: 'abort' } },
      { signal: controller.signal, onTaskCreated: (t) => created.resolve(t.taskId) },
    );
    const taskId = await created.promise;
    await eventually(async () => (await statusOf(taskId)) === 'input_required');
    controller.abort(new Error('user gave up'));
    await expect(call).rejects.toThrow('user gave up');
    await eventually(async () => (await statusOf(taskId)) === 'cancelled');
    if (workerSplit) await eventually(() => probe.outcomes.has('abort'));
    expect(probe.outcomes.get('abort')).toBeInstanceOf(Error);
  });

  it('a handler that throws cancels the task and rejects the call with its error', async () => {
    const created = deferred<string>();
    const client = helper(modern.client, { onElicitation: () => Promise.reject(new Error('no user here')) });
    const call = client.callTool({ name: 'ask', arguments: { key: 'throws' } }, { onTaskCreated: (t) => created.resolve(t.taskId) });
    await expect(call).rejects.toThrow('no user here');
    await eventually(async () => (await statusOf(await created.promise)) === 'cancelled');
  });

  it('answers -32602 for unknown task ids on tasks/get, tasks/update and tasks/cancel', async () => {
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
      const error = await rpcError(request(modern.client, method, { taskId: 'no-such-task', inputResponses: {} }));
      expect(error.code).toBe(ErrorCode.InvalidParams);
    }
    expect((await rpcError(request(modern.client, 'tasks/update', { taskId: 'x' }))).code).toBe(ErrorCode.InvalidParams);
  });

  it('keeps tasks in their session: neither protocol reaches the other session tasks', async () => {
    const mine = await request(modern.client, 'tools/call', { name: 'forever', arguments: { key: 'iso1' } });
    const theirs = await createTask(legacy.client, 'forever', { key: 'iso2' });
    const outsider = await connect();
    for (const taskId of [mine.taskId as string, theirs.taskId]) {
      for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
        const error = await rpcError(request(outsider.client, method, { taskId, inputResponses: {} }));
        expect(error.code).toBe(ErrorCode.InvalidParams);
      }
      expect((await rpcError(outsider.client.experimental.tasks.getTask(taskId))).code).toBe(ErrorCode.InvalidParams);
    }
    expect((await rpcError(request(modern.client, 'tasks/get', { taskId: theirs.taskId }))).code).toBe(ErrorCode.InvalidParams);
    expect((await rpcError(legacy.client.experimental.tasks.getTask(mine.taskId as string))).code).toBe(ErrorCode.InvalidParams);
    expect(await statusOf(mine.taskId as string)).toBe('working');
  });
});

describe('on a low-level Server', () => {
  it('serves the extension there too', async () => {
    const { Server } = await import('@modelcontextprotocol/sdk/server/index.js');
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    const server = new Server({ name: 'low', version: '1' });
    tasks.registerTool(server, 'lowAsk', { taskSupport: 'required' }, async (_args, task) =>
      text(valueOf(await task.elicit({ message: 'low?', requestedSchema: ANSWER_FORM }))),
    );
    tasks.enable(server);
    const client = new Client({ name: 'low-client', version: '1' });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    await client.connect(a);
    tapExtensionTraffic(client, conformance);
    try {
      expect(client.getServerCapabilities()?.extensions).toEqual({ [TASKS_EXTENSION_ID]: {} });
      expect(await helper(client).callTool({ name: 'lowAsk', arguments: {} })).toEqual(text('re:low?'));
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('the client helper', () => {
  it('honours pollIntervalMs between tasks/get calls', async () => {
    const polls: number[] = [];
    const call = helper().callTool({ name: 'slow', arguments: { key: 'poll' } }, { onTaskStatus: () => void polls.push(Date.now()) });
    await eventually(() => polls.length >= 4);
    probe.gate('poll').resolve();
    await call;
    const gaps = polls.slice(1).map((t, i) => t - polls[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(POLL - 2);
  });

  it('declares only the capabilities it can answer by default', () => {
    const bare = new TasksExtensionClient(modern.client);
    expect(bare.capabilities).toEqual(EXTENSION);
    const withHandlers = new TasksExtensionClient(modern.client, {
      onElicitation: () => ({ action: 'decline' }),
      onSampling: () => ({ role: 'assistant', model: 'm', content: { type: 'text', text: '' } }),
    });
    expect(withHandlers.capabilities).toEqual({ ...EXTENSION, elicitation: { form: {} }, sampling: {} });
  });

  it('without a sampling handler the request carries no sampling capability and the work is refused', async () => {
    const noSampling = new TasksExtensionClient(modern.client, { onElicitation: () => ({ action: 'decline' }) });
    const result = await noSampling.callTool({ name: 'sample', arguments: { text: 'x' } });
    expect(result).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: "The client did not declare the 'sampling' capability" }],
    });
  });

  it('leaves no task actor running once everything is done', async () => {
    await helper().callTool({ name: 'ask', arguments: { key: 'last' } });
    await helper().callTool({ name: 'quick', arguments: { text: 'last' } });
    await eventually(() => tasks.liveTaskActors === 0);
  });
});

afterAll(() => {
  // The tap saw the traffic it checks (one that saw nothing would pass every afterEach) …
  expect(conformance.checked.get('tasks/get')).toBeGreaterThan(0);
  expect(conformance.checked.get('tasks/update')).toBeGreaterThan(0);
  // … and ext-tasks' UpdateTaskRequest agreed with the server on every tasks/update, except where only
  // the server can know: an unknown or foreign task id.
  expect(conformance.disagreements.filter((d) => !d.serverMessage?.startsWith('Task not found'))).toEqual([]);
});
