import { describe, expect, it } from 'vitest';
import { parseParams, taskIdOf, taskIdParams, toolCallParams } from '../../src/session/params.js';
import { CallToolRequestParamsSchema } from '../../src/wire.js';

/*
 * The hand checks before zod (issue 14) must decide exactly as the schemas do: accept what they
 * accept with the same fields, and give the same -32602 for the rest.
 */

function outcome(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: `${(error as { code?: number }).code} ${(error as Error).message}` };
  }
}

const toolCalls: unknown[] = [
  { name: 't' },
  { name: 't', arguments: { a: 1 }, task: { ttl: 5 } },
  { name: 't', task: {} },
  { name: 't', task: { ttl: 5, pollInterval: 3 }, extra: true },
  { name: 't', _meta: { progressToken: 'p', other: 1 } },
  { name: 't', _meta: { progressToken: 7 } },
  { name: 't', _meta: { progressToken: 1.5 } },
  { name: 't', _meta: { 'io.modelcontextprotocol/related-task': { taskId: 'x' } } },
  { name: 't', _meta: { 'io.modelcontextprotocol/related-task': { taskId: 5 } } },
  { name: 't', _meta: [] },
  { name: 't', _meta: null },
  { name: 't', task: { ttl: 'x' } },
  { name: 't', task: { ttl: Number.NaN } },
  { name: 't', task: { ttl: Infinity } },
  { name: 't', task: [] },
  { name: 't', task: null },
  { name: 't', arguments: [] },
  { name: 't', arguments: null },
  { name: 't', arguments: 'x' },
  { name: 5 },
  {},
  [],
  null,
  undefined,
  'tools',
];

const taskIds: unknown[] = [
  { taskId: 'a' },
  { taskId: 'a', extra: 1 },
  { taskId: '' },
  { taskId: 'x'.repeat(1024) },
  { taskId: 'x'.repeat(1025) },
  { taskId: 5 },
  {},
  [],
  null,
  undefined,
];

describe('the params hand checks', () => {
  it.each(toolCalls.map((raw) => [JSON.stringify(raw) ?? String(raw), raw]))(
    'tools/call %s: as CallToolRequestParamsSchema decides',
    (_, raw) => {
      expect(outcome(() => toolCallParams(raw))).toEqual(outcome(() => parseParams('tools/call', CallToolRequestParamsSchema, raw)));
    },
  );

  it.each(taskIds.map((raw) => [JSON.stringify(raw) ?? String(raw), raw]))('tasks/get %s: as taskIdParams decides', (_, raw) => {
    expect(outcome(() => taskIdOf('tasks/get', raw))).toEqual(outcome(() => parseParams('tasks/get', taskIdParams, raw).taskId));
  });
});
