import { afterEach, describe, expect, it, vi } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import { createRedisTaskBackend } from '../../src/redis/index.js';
import { StoredAnswers } from '../../src/redis/StoredAnswers.js';
import { ownRedis } from '../support/ownRedis.js';

const redis = ownRedis();

// How long a runner remembers the sends it passed on. A send reaches the runner by PUBLISH for up
// to a lease, and its stored copy is taken a lease (and a look) later: with a lease of 60 s or
// more, the copy of a send already passed on came after the two minutes the runner kept it, and
// the answer was passed on a second time.
describe('StoredAnswers: the sends a runner passed on', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const handler = (): void => {};

  it('are remembered for three leases when that is longer than two minutes', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const answers = new StoredAnswers();
    answers.handle(handler, 60_000);
    expect(answers.first('task-1', 'send-1')).toBe(true);
    // Its stored copy, taken two leases and a look later (150 s): the same send, not passed on again.
    vi.setSystemTime(1_000_000 + 150_000);
    expect(answers.first('task-1', 'send-1')).toBe(false);
    // Three leases on, the memory of it goes (it cannot come back any more).
    vi.setSystemTime(1_000_000 + 150_000 + 180_000);
    expect(answers.first('task-1', 'send-1')).toBe(true);
  });

  it('are remembered two minutes with a shorter lease, and forgotten after', () => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
    const answers = new StoredAnswers();
    answers.handle(handler, 5_000);
    expect(answers.first('task-1', 'send-1')).toBe(true);
    vi.setSystemTime(1_000_000 + 119_000);
    expect(answers.first('task-1', 'send-1')).toBe(false);
    // The memory is cleared from its oldest entries as new sends arrive.
    vi.setSystemTime(1_000_000 + 119_000 + 120_000);
    expect(answers.first('task-2', 'send-2')).toBe(true);
    expect(answers.first('task-1', 'send-1')).toBe(true);
  });

  it("follow the lease of the backend's cluster", async () => {
    const handle = vi.spyOn(StoredAnswers.prototype, 'handle');
    const backend = await createRedisTaskBackend({ url: redis.url, prefix: 'kept:', leaseMs: 90_000 });
    const tasks = new TaskSupport({ store: backend.store, queue: backend.queue, cluster: backend.cluster });
    try {
      await vi.waitFor(() => expect(handle).toHaveBeenCalledWith(expect.any(Function), 90_000));
    } finally {
      handle.mockRestore();
      await tasks.close();
      await backend.close();
    }
  });
});
