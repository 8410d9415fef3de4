// The 2025-11-25 `Task` a record is shown as (tasks/get, tasks/cancel, tasks/list, the
// CreateTaskResult, status notifications): the spec's fields only. The owner, the runner and the
// restart data stay private, and so does anything else a custom store kept in its records.
import { describe, expect, it } from 'vitest';
import { toTask } from '../../../src/protocol/rev2025-11-25/wire.js';
import type { TaskRecord } from '../../../src/types.js';

const record: TaskRecord = {
  taskId: 't1',
  owner: 'alice',
  status: 'working',
  createdAt: '2026-12-06T08:00:00.000Z',
  lastUpdatedAt: '2026-12-06T08:00:01.000Z',
  ttl: 60_000,
  pollInterval: 1_000,
  runner: 'instance-a',
  restart: { tool: 'deploy', args: { env: 'prod' } },
};

describe('toTask', () => {
  it('shows the spec fields of a record, and its statusMessage only when it has one', () => {
    const { owner: _o, runner: _r, restart: _s, ...spec } = record;
    expect(toTask(record)).toStrictEqual(spec);
    expect(toTask({ ...record, statusMessage: 'halfway' })).toStrictEqual({ ...spec, statusMessage: 'halfway' });
    expect(Object.keys(toTask({ ...record, statusMessage: undefined }))).not.toContain('statusMessage');
  });

  it('keeps what a custom store added to its records off the wire', () => {
    const kept = { ...record, tenant: 'acme', internalNote: 'do not show' } as TaskRecord;
    expect(Object.keys(toTask(kept)).sort()).toEqual(['createdAt', 'lastUpdatedAt', 'pollInterval', 'status', 'taskId', 'ttl']);
  });
});
