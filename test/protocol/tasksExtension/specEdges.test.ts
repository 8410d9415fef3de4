import { describe, expect, it } from 'vitest';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { MISSING_REQUIRED_CLIENT_CAPABILITY, TASKS_EXTENSION_ID } from '../../../src/client/index.js';
import { registerAskingTools } from '../../support/askingTools.js';
import { eventually, testTaskSupport } from '../../support/harness.js';
import { rpcError } from '../../support/session.js';
import { tappedExtensionSession } from '../../support/tappedExtensionSession.js';

/*
 * Edge cases of the tasks extension (ext-tasks specification/draft/tasks.md) that extension.test.ts
 * and inputResponses.test.ts leave out, each under the requirement it pins.
 */

const { request } = tappedExtensionSession({
  tasks: () => testTaskSupport(),
  tools: (tasks, server) => {
    registerAskingTools(tasks, server); // `ask` (required): elicits `times` times in a row
    tasks.registerTool(server, 'refuse', { taskSupport: 'required' }, async () => {
      throw new McpError(ErrorCode.InvalidRequest, 'quota exceeded', { retryAfter: 60 });
    });
  },
  checked: ['tasks/get', 'tasks/update'],
});

async function statusOf(taskId: string): Promise<string> {
  return (await request('tasks/get', { taskId }))['status'] as string;
}

describe('tasks extension: edge cases', () => {
  it('answers -32021 naming the extension to tasks/get, tasks/update and tasks/cancel without it, before looking at the params', async () => {
    const created = await request('tools/call', { name: 'ask', arguments: { key: 'caps' } });
    const taskId = created['taskId'] as string;
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
      for (const params of [{ taskId, inputResponses: {} }, { taskId: 'no-such-task' }, {}]) {
        const error = await rpcError(request(method, params, { elicitation: { form: {} } }));
        expect(error.code).toBe(MISSING_REQUIRED_CLIENT_CAPABILITY);
        expect(error.data).toEqual({ requiredCapabilities: { extensions: { [TASKS_EXTENSION_ID]: {} } } });
      }
    }
    expect(await statusOf(taskId)).not.toBe('cancelled');
    await request('tasks/cancel', { taskId });
  });

  it('gives a new key to every input request over a task’s life and never shows an answered one again', async () => {
    const created = await request('tools/call', { name: 'ask', arguments: { key: 'keys', times: 3 } });
    const taskId = created['taskId'] as string;
    const answered: string[] = [];
    while (answered.length < 3) {
      let keys: string[] = [];
      await eventually(async () => {
        const task = await request('tasks/get', { taskId });
        keys = Object.keys((task['inputRequests'] ?? {}) as object);
        return task['status'] === 'input_required' && keys.length > 0 && !keys.some((k) => answered.includes(k));
      });
      expect(keys).toHaveLength(1);
      const ack = await request('tasks/update', {
        taskId,
        inputResponses: { [keys[0]!]: { action: 'accept', content: { value: `v${answered.length}` } } },
      });
      expect(ack).toEqual({ resultType: 'complete' });
      answered.push(keys[0]!);
    }
    expect(new Set(answered).size).toBe(3);
    await eventually(async () => (await statusOf(taskId)) === 'completed');
    expect((await request('tasks/get', { taskId }))['result']).toEqual({ content: [{ type: 'text', text: 'v0,v1,v2' }] });
  });

  it('acknowledges a tasks/update for a task that ended meanwhile and leaves it as it ended', async () => {
    const created = await request('tools/call', { name: 'ask', arguments: { key: 'late' } });
    const taskId = created['taskId'] as string;
    let key = '';
    await eventually(async () => {
      const task = await request('tasks/get', { taskId });
      key = Object.keys((task['inputRequests'] ?? {}) as object)[0] ?? '';
      return key !== '';
    });
    expect(await request('tasks/cancel', { taskId })).toEqual({ resultType: 'complete' });
    await eventually(async () => (await statusOf(taskId)) === 'cancelled');
    const ack = await request('tasks/update', { taskId, inputResponses: { [key]: { action: 'accept', content: { value: 'too late' } } } });
    expect(ack).toEqual({ resultType: 'complete' });
    const after = await request('tasks/get', { taskId });
    expect(after).toMatchObject({ status: 'cancelled', resultType: 'complete' });
    expect(after).not.toHaveProperty('inputRequests');
    expect(after).not.toHaveProperty('result');
  });

  it('shows a JSON-RPC failure as failed with the error and a diagnostic statusMessage, never a result', async () => {
    const created = await request('tools/call', { name: 'refuse', arguments: {} });
    expect(created).toMatchObject({ resultType: 'task', status: 'working' });
    const taskId = created['taskId'] as string;
    await eventually(async () => (await statusOf(taskId)) === 'failed');
    const failed = await request('tasks/get', { taskId });
    expect(failed['error']).toEqual({ code: ErrorCode.InvalidRequest, message: 'quota exceeded', data: { retryAfter: 60 } });
    expect(failed['statusMessage']).toContain('quota exceeded');
    expect(failed).not.toHaveProperty('result');
    expect(failed).not.toHaveProperty('inputRequests');
  });

  it('lists tasks the extension created for a caller in that caller’s 2025-11-25 tasks/list', async () => {
    const created = await request('tools/call', { name: 'ask', arguments: { key: 'listed' } });
    const taskId = created['taskId'] as string;
    const listed = (await request('tasks/list', {}, null))['tasks'] as { taskId: string; ttl: number }[];
    expect(listed.map((t) => t.taskId)).toEqual([taskId]);
    expect(listed[0]!.ttl).toBe(created['ttlMs']);
    await request('tasks/cancel', { taskId });
  });
});
