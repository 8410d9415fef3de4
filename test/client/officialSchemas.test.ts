/**
 * Where this library's hand-written extension shapes (src/protocol/tasksExtension/wire.ts) and the
 * MCP project's generated ones (`@modelcontextprotocol/ext-tasks/core/v2`, 0.2.2) validate different
 * messages. docs/protocols.md ("Official schemas") lists the same rows; each is pinned here, so an
 * ext-tasks upgrade that closes a gap shows up as a failing row. That every answer this server gives
 * parses with ext-tasks is checked on the suite's live traffic (test/support/extTasksConformance.ts).
 */
import {
  CreateTaskResultV2Schema,
  DetailedTaskV2Schema,
  TaskV2Schema,
  UpdateTaskRequestV2Schema,
} from '@modelcontextprotocol/ext-tasks/core/v2';
import { describe, expect, it } from 'vitest';
import { ExtensionDetailedTaskSchema, ExtensionTaskSchema } from '../../src/client/index.js';
import { UpdateTaskParamsSchema } from '../../src/protocol/tasksExtension/wire.js';

const task = {
  taskId: 't-1',
  status: 'working' as const,
  createdAt: '2026-12-03T00:00:00.000Z',
  lastUpdatedAt: '2026-12-03T00:00:01.000Z',
  ttlMs: 3_600_000,
  pollIntervalMs: 1000,
};
const elicit = { method: 'elicitation/create', params: { message: 'ok?', requestedSchema: { type: 'object', properties: {} } } };
const waiting = { ...task, status: 'input_required' as const };

const ours = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown): boolean => schema.safeParse(value).success;
const update = (params: Record<string, unknown>): unknown => ({ jsonrpc: '2.0', id: 1, method: 'tasks/update', params });

describe('the same verdict', () => {
  it('accepts a task, a detailed task with an elicitation, a completed and a failed one alike', () => {
    const samples = [
      task,
      { ...waiting, inputRequests: { 'mta-1': elicit } },
      { ...task, status: 'completed', result: { content: [{ type: 'text', text: 'done' }] } },
      { ...task, status: 'failed', error: { code: -32603, message: 'boom', data: { taskId: 't-1' } } },
      { ...task, status: 'cancelled', statusMessage: 'by the user' },
    ];
    for (const sample of samples) {
      expect([ours(ExtensionDetailedTaskSchema, sample), ours(DetailedTaskV2Schema, sample)]).toEqual([true, true]);
    }
    expect([ours(ExtensionTaskSchema, task), ours(TaskV2Schema, task)]).toEqual([true, true]);
    expect(ours(CreateTaskResultV2Schema, { ...task, resultType: 'task' })).toBe(true);
  });

  it('refuses a task without taskId, or with an unknown status, alike', () => {
    for (const sample of [
      { ...task, taskId: undefined },
      { ...task, status: 'paused' },
    ]) {
      expect([ours(ExtensionDetailedTaskSchema, sample), ours(DetailedTaskV2Schema, sample)]).toEqual([false, false]);
    }
  });
});

describe('where ext-tasks is stricter', () => {
  it('demands integer ttlMs and pollIntervalMs', () => {
    const fractional = { ...task, ttlMs: 1.5, pollIntervalMs: 2.5 };
    expect([ours(ExtensionTaskSchema, fractional), ours(TaskV2Schema, fractional)]).toEqual([true, false]);
  });

  it('allows only elicitation/create, sampling/createMessage and roots/list in inputRequests, with their params checked', () => {
    const unknownMethod = { ...waiting, inputRequests: { k: { method: 'tools/list' } } };
    const noMessage = { ...waiting, inputRequests: { k: { method: 'elicitation/create', params: { requestedSchema: {} } } } };
    const noMaxTokens = { ...waiting, inputRequests: { k: { method: 'sampling/createMessage', params: { messages: [] } } } };
    for (const sample of [unknownMethod, noMessage, noMaxTokens]) {
      expect([ours(ExtensionDetailedTaskSchema, sample), ours(DetailedTaskV2Schema, sample)]).toEqual([true, false]);
    }
  });

  it('refuses a tasks/update answer that is no ElicitResult, ListRootsResult or CreateMessageResult, even under a key nobody asked', () => {
    const params = { taskId: 't-1', inputResponses: { 'never-issued': {} } };
    expect([ours(UpdateTaskParamsSchema, params), ours(UpdateTaskRequestV2Schema, update(params))]).toEqual([true, false]);
  });
});

describe('where ext-tasks is looser', () => {
  it('accepts an empty or a very long taskId in tasks/update', () => {
    for (const taskId of ['', 'x'.repeat(2000)]) {
      const params = { taskId, inputResponses: {} };
      expect([ours(UpdateTaskParamsSchema, params), ours(UpdateTaskRequestV2Schema, update(params))]).toEqual([false, true]);
    }
  });
});

describe('where both accept but the output differs', () => {
  it('drops unknown fields (ours keeps them, e.g. resultType and _meta of a tasks/get answer)', () => {
    const answer = { ...task, resultType: 'complete', _meta: { trace: 'x' } };
    expect(ExtensionDetailedTaskSchema.parse(answer)).toMatchObject({ resultType: 'complete', _meta: { trace: 'x' } });
    expect(DetailedTaskV2Schema.parse(answer)).not.toHaveProperty('resultType');
    expect(DetailedTaskV2Schema.parse(answer)).not.toHaveProperty('_meta');
  });
});
