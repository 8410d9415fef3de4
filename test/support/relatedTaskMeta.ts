import { expect } from 'vitest';

const RELATED = 'io.modelcontextprotocol/related-task';

/** What the related-task `_meta` of the `tasks/cancel` and `tasks/result` below holds. */
export interface RelatedMetaValues {
  cancelMeta: unknown;
  resultMeta: unknown;
  progressToken: string;
}

/**
 * 2025-11-25: receivers MUST ignore the related-task `_meta` on `tasks/get`, `tasks/result` and
 * `tasks/cancel`: whatever it holds (malformed, another task's id), each is served by
 * `params.taskId`; a missing `taskId` is still -32602. `running` is a task whose work finishes on
 * `finish()` with "job done", `other` one to cancel; `send` is one raw JSON-RPC request and its
 * answer (in memory or over stdio, SDK v1 or v2).
 */
export async function expectServedByTaskId(
  send: (message: Record<string, unknown>) => Promise<unknown>,
  running: string,
  other: string,
  finish: () => void,
  values: RelatedMetaValues,
): Promise<void> {
  for (const related of ['garbage', { taskId: 5 }, null, [running], { taskId: other }]) {
    const got = await send({
      id: `get-${JSON.stringify(related)}`,
      method: 'tasks/get',
      params: { taskId: running, _meta: { [RELATED]: related } },
    });
    expect(got).toMatchObject({ result: { taskId: running, status: 'working' } });
  }
  const cancelled = await send({
    id: 'cancel',
    method: 'tasks/cancel',
    params: { taskId: other, _meta: { [RELATED]: values.cancelMeta } },
  });
  expect(cancelled).toMatchObject({ result: { taskId: other, status: 'cancelled' } });
  const result = send({
    id: 'result',
    method: 'tasks/result',
    params: { taskId: running, _meta: { [RELATED]: values.resultMeta, progressToken: values.progressToken } },
  });
  finish();
  expect(await result).toMatchObject({
    result: { content: [{ type: 'text', text: 'job done' }], _meta: { [RELATED]: { taskId: running } } },
  });
  // Still checked where it matters: a missing taskId is -32602, never served by the _meta.
  const missing = await send({ id: 'missing', method: 'tasks/get', params: { _meta: { [RELATED]: { taskId: running } } } });
  expect(missing).toMatchObject({ error: { code: -32602 } });
}
