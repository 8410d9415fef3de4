/**
 * Stateless elicitation and sampling (issue 16), shared by the in-memory demo test (one instance)
 * and the Redis one (two instances, separate processes): `a` and `b` are the demo's `/mcp` URLs
 * (the same one in memory). The task is created on A, its `tasks/result` opened on B, the request
 * reaches the client on B's stream and the answer is POSTed, as its own request without a session,
 * to whichever instance the case names.
 */
import { expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { createTask, deferred, sleep, taskResult } from './harness.js';
import { postRaw, statelessClient } from './statelessClient.js';

const CAPABILITIES = { capabilities: { elicitation: { form: {} }, sampling: {} } };
/** The tasks extension's per-request capabilities (`tasks/update` answers only requests that declare it). */
const EXTENSION_META = { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };

/** What a case needs: the two instances and the clients it opened (closed by the caller). */
export interface StatelessScene {
  a: string;
  b: string;
  clients: Client[];
  /** Whether instance A runs the task's actor now (separate processes: the demo's /health?task=). */
  runsOnA?: (taskId: string) => Promise<boolean>;
}

async function open(scene: StatelessScene, url: string, token: string | undefined, answersTo: string): Promise<Client> {
  const client = await statelessClient(url, { ...(token ? { token } : {}), answersTo, capabilities: CAPABILITIES });
  scene.clients.push(client);
  return client;
}

/** Elicitation: created on A, tasks/result on B, answered on `answerAt`; the work gets exactly that answer. */
export async function elicitationAcrossInstances(scene: StatelessScene, answerAt: 'a' | 'b'): Promise<void> {
  const creator = await open(scene, scene.a, 'alice-token', scene.a);
  const reader = await open(scene, scene.b, 'alice-token', scene[answerAt]);
  const asked: { requestId: string; onA: boolean | undefined }[] = [];
  reader.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
    const related = request.params._meta?.['io.modelcontextprotocol/related-task'] as { taskId: string };
    asked.push({ requestId: String(extra.requestId), onA: await scene.runsOnA?.(related.taskId) });
    return { action: 'accept', content: { approved: true } };
  });
  const task = await createTask(creator, 'approve', { action: `answered on ${answerAt}` });
  const result = await taskResult(reader, task.taskId);
  expect(result.content).toEqual([{ type: 'text', text: `approved: answered on ${answerAt}` }]);
  expect(asked).toHaveLength(1);
  // The actor waits on A while B's stream carries its request.
  if (scene.runsOnA) expect(asked[0]!.onA).toBe(true);
}

/** Sampling, the same way. */
export async function samplingAcrossInstances(scene: StatelessScene, answerAt: 'a' | 'b'): Promise<void> {
  const creator = await open(scene, scene.a, 'alice-token', scene.a);
  const reader = await open(scene, scene.b, 'alice-token', scene[answerAt]);
  reader.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: 'assistant',
    model: 'test',
    content: { type: 'text', text: `summary from ${answerAt}` },
  }));
  const task = await createTask(creator, 'summarize', { text: 'a long text' });
  expect((await taskResult(reader, task.taskId)).content).toEqual([{ type: 'text', text: `summary from ${answerAt}` }]);
}

/**
 * Forged answers: while alice's own answer is held back, mallory (another principal) and an
 * anonymous caller POST an "approve" to the very request id, on both instances, in the 2025-11-25
 * form (a JSON-RPC response) and through the extension's `tasks/update`. Each gets exactly what an
 * unknown id gets, the task stays `input_required`, and alice's "reject", sent last, decides.
 */
export async function forgedAnswersIgnored(scene: StatelessScene): Promise<void> {
  const creator = await open(scene, scene.a, 'alice-token', scene.a);
  const reader = await open(scene, scene.b, 'alice-token', scene.a);
  const asked = deferred<string>();
  const aliceAnswer = deferred<ElicitResult>();
  reader.setRequestHandler(ElicitRequestSchema, (_request, extra) => {
    asked.resolve(String(extra.requestId));
    return aliceAnswer.promise;
  });
  const task = await createTask(creator, 'approve', { action: 'wire the money' });
  const pending = taskResult(reader, task.taskId);
  const requestId = await asked.promise;
  const unknownId = `${requestId.replace(/~.*$/, '')}~${'A'.repeat(22)}`;
  const forged = (id: string): unknown => ({ jsonrpc: '2.0', id, result: { action: 'accept', content: { approved: true } } });
  const update = (taskId: string, id: string, rpcId: number): unknown => ({
    jsonrpc: '2.0',
    id: rpcId,
    method: 'tasks/update',
    params: { taskId, inputResponses: { [id]: { action: 'accept', content: { approved: true } } }, _meta: EXTENSION_META },
  });

  for (const url of [scene.a, scene.b]) {
    for (const token of ['mallory-token', undefined]) {
      // 2025-11-25: a JSON-RPC response POSTed without a session.
      const real = await postRaw(url, forged(requestId), token);
      const unknown = await postRaw(url, forged(unknownId), token);
      expect(real).toEqual(unknown);
      expect(real.status).toBe(202);
      // The extension: tasks/update of alice's task looks like tasks/update of a task that does not exist.
      const updated = await postRaw(url, update(task.taskId, requestId, 7), token);
      const noTask = await postRaw(url, update('A'.repeat(22), requestId, 7), token);
      expect(JSON.stringify(updated.body).replaceAll(task.taskId, '<id>')).toBe(
        JSON.stringify(noTask.body).replaceAll('A'.repeat(22), '<id>'),
      );
      expect(updated.body).toMatchObject({ error: { code: -32602 } });
    }
  }
  // Time for a forged answer to have reached the actor (it would settle the task at once).
  await sleep(300);
  expect((await creator.experimental.tasks.getTask(task.taskId)).status).toBe('input_required');
  aliceAnswer.resolve({ action: 'decline' });
  expect((await pending).content).toEqual([{ type: 'text', text: 'rejected: wire the money' }]);
}

/** An anonymous caller's task: its id is the capability, so an anonymous answer on the other instance counts. */
export async function anonymousTaskAnsweredAnonymously(scene: StatelessScene): Promise<void> {
  const creator = await open(scene, scene.a, undefined, scene.a);
  const reader = await open(scene, scene.b, undefined, scene.a);
  reader.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { approved: true } }));
  const task = await createTask(creator, 'approve', { action: 'anonymous' });
  expect((await taskResult(reader, task.taskId)).content).toEqual([{ type: 'text', text: 'approved: anonymous' }]);
}

/** The cases above as one suite over two demo processes (`--stateless`) on one Redis or a cluster. */
export function statelessInstanceCases(scene: () => StatelessScene): void {
  it('elicitation: created on A, asked on B’s tasks/result stream, answered by a POST to A', async () => {
    await elicitationAcrossInstances(scene(), 'a');
  });

  it('elicitation: answered by a POST to B, passed on to A which runs the task', async () => {
    await elicitationAcrossInstances(scene(), 'b');
  });

  it('sampling: answered on A and on B', async () => {
    await samplingAcrossInstances(scene(), 'a');
    await samplingAcrossInstances(scene(), 'b');
  });

  it('an answer from another principal or an anonymous stranger never resolves the task and reads like an unknown id', async () => {
    await forgedAnswersIgnored(scene());
  });

  it('an anonymous caller’s task is answered by an anonymous POST on the other instance (the task id is the capability)', async () => {
    await anonymousTaskAnsweredAnonymously(scene());
  });
}
