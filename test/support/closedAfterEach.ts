import { afterEach } from 'vitest';
import type { TaskSupport } from '../../src/index.js';
import type { RedisTaskBackend } from '../../src/redis/index.js';
import type { Session } from './harness.js';

/** What a test opened, to be closed after it: sessions first, then the task supports, then their backends. */
export interface OpenedInTest {
  tasks: TaskSupport[];
  sessions: Session[];
  backends: RedisTaskBackend[];
}

/** Lists a test pushes what it opens to; each is closed after every test of the file, in that order. */
export function closedAfterEach(): OpenedInTest {
  const open: OpenedInTest = { tasks: [], sessions: [], backends: [] };
  afterEach(async () => {
    for (const s of open.sessions.splice(0)) await s.close();
    for (const t of open.tasks.splice(0)) await t.close();
    for (const b of open.backends.splice(0)) await b.close();
  });
  return open;
}
