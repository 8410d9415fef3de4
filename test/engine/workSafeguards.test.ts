import { describe, expect, it, vi } from 'vitest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { WorkSafeguards } from '../../src/engine/WorkSafeguards.js';
import type { RunContext } from '../../src/engine/TaskSpec.js';
import { LIMIT_EXCEEDED } from '../../src/errors.js';
import { McpError } from '../../src/wire.js';

// WorkSafeguards on its own: what stands between a tool's work and its client (the error mapper,
// the result size limit, the cap on waiting asks), with a work that returns or throws what each
// test needs.

const logger = { error: vi.fn() };
/** A task's context; `null`: a run without a task id. */
const task = (taskId: string | null = 't1') => {
  const capped = { capped: true } as unknown as RunContext;
  const context = { taskId: taskId ?? undefined, capInputs: vi.fn(() => capped) } as unknown as RunContext;
  return { context, capped };
};
const text = (s: string): CallToolResult => ({ content: [{ type: 'text', text: s }] });
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

const guard = (
  limits: { maxResultBytes?: number; maxQueuedInputRequests?: number } = {},
  mapError?: ConstructorParameters<typeof WorkSafeguards>[1],
) => new WorkSafeguards({ maxResultBytes: Infinity, maxQueuedInputRequests: Infinity, ...limits }, mapError, logger);

describe('WorkSafeguards', () => {
  it('gives a result that fits maxResultBytes exactly through, and fails one byte over with the limit error naming the task', async () => {
    const result = text('hello');
    const size = bytes(result);
    await expect(guard({ maxResultBytes: size }).runTask('echo', task().context, () => result)).resolves.toBe(result);
    const error = (await guard({ maxResultBytes: size - 1 })
      .runTask('echo', task().context, () => Promise.resolve(result))
      .catch((e: unknown) => e)) as McpError;
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(LIMIT_EXCEEDED);
    expect(error.message).toBe(`Task result of ${size} bytes exceeds the limit of ${size - 1} bytes (maxResultBytes)`);
    expect(error.data).toEqual({ limit: 'maxResultBytes', max: size - 1, actual: size, taskId: 't1' });
  });

  it('leaves out the task id of a limit error when the run has none', async () => {
    const error = (await guard({ maxResultBytes: 1 })
      .runTask('echo', task(null).context, () => text('too long'))
      .catch((e: unknown) => e)) as McpError;
    expect(error.data).not.toHaveProperty('taskId');
  });

  it('does not measure a text result when maxResultBytes is unlimited, but still fails one that is not JSON', async () => {
    const large = text('x'.repeat(10_000));
    await expect(guard().runTask('echo', task().context, () => large)).resolves.toBe(large);
    const odd = { content: [], big: 1n } as unknown as CallToolResult;
    const error = (await guard()
      .runTask('echo', task().context, () => odd)
      .catch((e: unknown) => e)) as McpError;
    expect(error.code).toBe(-32603);
    expect(error.message).toMatch(/^Tool returned a result that is not JSON: /);
  });

  it('fails a result that is not JSON with -32603 when results are measured', async () => {
    const odd = { content: [], big: 1n } as unknown as CallToolResult;
    const error = (await guard({ maxResultBytes: 1000 })
      .runTask('echo', task().context, () => odd)
      .catch((e: unknown) => e)) as McpError;
    expect(error.code).toBe(-32603);
    expect(error.message).toMatch(/^Tool returned a result that is not JSON: /);
  });

  it("applies the tool's output check to the fitted result", async () => {
    const checked = text('checked');
    const check = vi.fn(() => checked);
    const result = text('raw');
    await expect(guard().runTask('echo', task().context, () => result, check)).resolves.toBe(checked);
    expect(check).toHaveBeenCalledWith(result);
  });

  it('maps what the work throws, at once or later, and measures the mapped error by its message', async () => {
    const mapError = vi.fn(
      (_: unknown, context: { tool: string; taskId: string | undefined }) => `mapped for ${context.tool} ${context.taskId}`,
    );
    const thrown = new Error('raw');
    const sync = await guard({}, mapError)
      .runTask('echo', task().context, () => {
        throw thrown;
      })
      .catch((e: unknown) => e);
    expect((sync as Error).message).toBe('mapped for echo t1');
    const later = await guard({}, mapError)
      .runTask('echo', task().context, () => Promise.reject(thrown))
      .catch((e: unknown) => e);
    expect((later as Error).message).toBe('mapped for echo t1');
    expect(mapError).toHaveBeenCalledWith(thrown, { tool: 'echo', taskId: 't1' });

    const message = 'mapped for echo t1';
    const fits = await guard({ maxResultBytes: bytes(message) }, mapError)
      .runTask('echo', task().context, () => Promise.reject(thrown))
      .catch((e: unknown) => e);
    expect((fits as Error).message).toBe(message);
    const tooLarge = (await guard({ maxResultBytes: bytes(message) - 1 }, mapError)
      .runTask('echo', task().context, () => {
        throw thrown;
      })
      .catch((e: unknown) => e)) as McpError;
    expect(tooLarge.code).toBe(LIMIT_EXCEEDED);
  });

  it('measures a thrown McpError by its JSON-RPC shape', async () => {
    const error = new McpError(-32001, 'x', { detail: 'y'.repeat(50) });
    const shape = bytes({ code: -32001, message: 'x', data: { detail: 'y'.repeat(50) } });
    const fits = await guard({ maxResultBytes: shape })
      .runTask('echo', task().context, () => Promise.reject(error))
      .catch((e: unknown) => e);
    expect(fits).toBe(error);
    const over = (await guard({ maxResultBytes: shape - 1 })
      .runTask('echo', task().context, () => Promise.reject(error))
      .catch((e: unknown) => e)) as McpError;
    expect(over.code).toBe(LIMIT_EXCEEDED);
  });

  it('caps the waiting asks of a task only when maxQueuedInputRequests is finite', async () => {
    const open = task();
    const seen: RunContext[] = [];
    await guard().runTask('echo', open.context, (t) => (seen.push(t), text('ok')));
    expect(seen[0]).toBe(open.context);
    expect(open.context.capInputs).not.toHaveBeenCalled();
    const capped = task();
    await guard({ maxQueuedInputRequests: 2 }).runTask('echo', capped.context, (t) => (seen.push(t), text('ok')));
    expect(capped.context.capInputs).toHaveBeenCalledWith(2);
    expect(seen[1]).toBe(capped.capped);
  });

  it('runs an inline work without measuring it, mapping its throw without a task id', async () => {
    const mapError = vi.fn(() => 'mapped inline');
    const large = text('x'.repeat(100));
    await expect(guard({ maxResultBytes: 1 }, mapError).runInline('echo', task().context, () => large)).resolves.toBe(large);
    const error = await guard({ maxResultBytes: 1 }, mapError)
      .runInline('echo', task().context, () => Promise.reject(new Error('raw')))
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('mapped inline');
    expect(mapError).toHaveBeenCalledWith(expect.any(Error), { tool: 'echo', taskId: undefined });
  });
});
