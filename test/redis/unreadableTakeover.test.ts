/**
 * A dead runner's task whose stored record cannot be read (a `status` that is no task status, a
 * `ttl` that is no number: written by something else, or a corrupted value). Before, a surviving
 * instance took it over every lease: the adoption's read refused it, logged, and let the lease lapse,
 * so the next sweep took it again, until the hash expired. Now it is failed once, with its reason,
 * and its lease index entry goes, so no sweep takes it again; one line is logged.
 */
import { expect, it } from 'vitest';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { taskResult } from '../support/harness.js';
import { LEASE_MS, closeInstance, instance, raw, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { rpcError } from '../support/session.js';
import { plantDeadTask } from './deadTasks.js';

const file = redisForFile();
const STOPPED = 'The server instance running this task stopped before it finished';

it.each([
  ['status', 'paused'],
  ['ttl', 'forever'],
])(
  "fails once, and takes over no more, a dead runner's task whose %s is %j",
  async (field, value) => {
    const admin = raw(file.redis());
    const prefix = `unread-${field}:`;
    const keys = new RedisKeys(prefix);
    let a: Instance | undefined;
    try {
      a = await instance(file.redis(), 'a', prefix);
      const client = a.session.client;
      const bad = await plantDeadTask(admin, keys, Date.now() - 1, { [field]: value });
      // A readable dead task whose lease runs out four leases from now: once it is taken over, every
      // sweep of those leases (one each 100 ms) has had its chance to take the bad task again.
      const marker = await plantDeadTask(admin, keys, Date.now() + 4 * LEASE_MS);
      const markerError = await rpcError(taskResult(client, marker));
      expect(markerError.message).toContain(STOPPED);

      const hash = await admin.hgetall(keys.task(bad));
      expect(hash['status']).toBe('failed');
      expect(hash['statusMessage']).toBe(`${STOPPED}. The stored record of task ${bad} is unreadable (its ${field})`);
      // Only the status changed (and its message, time, and the takeover's runner and lease).
      expect(hash['runner']).toBe('a');
      expect([hash['owner'], hash['restart'], hash['pollInterval']]).toEqual([
        'alice',
        JSON.stringify({ tool: 'job', args: { key: 'k' } }),
        '100',
      ]);
      if (field !== 'status') expect(hash[field]).toBe(value);
      expect(await admin.zscore(keys.leases, bad)).toBeNull();
      expect(JSON.parse((await admin.get(keys.outcome(bad)))!)).toEqual({
        type: 'error',
        error: { code: ErrorCode.InternalError, message: hash['statusMessage'], data: { taskId: bad } },
      });

      // One takeover, one line, where each lease took it over and logged it again.
      expect(a.errors).toHaveLength(1);
      const [line, ...rest] = a.errors[0]!;
      expect(rest).toEqual([]);
      expect(line).toBe(
        `mcp-task-actors: task ${bad}, taken over, has a record that cannot be read ` +
          `(The stored record of task ${bad} is unreadable (its ${field})): failed it`,
      );

      if (field === 'status') {
        // Readable again once failed: its tasks/result answers its end.
        const error = await rpcError(taskResult(client, bad));
        expect([error.code, error.message]).toEqual([ErrorCode.InternalError, `MCP error -32603: ${hash['statusMessage']}`]);
      }
    } finally {
      admin.disconnect();
      if (a) await closeInstance(a);
    }
  },
  15_000,
);
