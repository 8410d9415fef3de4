import { afterAll, describe, expect, it, vi } from 'vitest';
import { connectInMemory, createTask, testTaskSupport } from '../support/harness.js';
import { Jobs } from '../support/jobs.js';

// Every 16-byte draw from node:crypto, so the test can check that task ids are exactly such draws.
const drawn = vi.hoisted(() => new Set<string>());
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const randomBytes = ((size: number) => {
    const bytes = actual.randomBytes(size);
    if (size === 16) drawn.add(bytes.toString('base64url'));
    return bytes;
  }) as typeof actual.randomBytes;
  return { ...actual, default: { ...actual, randomBytes }, randomBytes };
});

const N = 2_000;
const tasks = testTaskSupport();
const jobs = new Jobs();
afterAll(() => tasks.close());

describe('task ids', async () => {
  const session = await connectInMemory(tasks, (server) => jobs.register(tasks, server));
  const ids: string[] = [];
  for (let batch = 0; batch < N / 200; batch++) {
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) => createTask(session.client, 'quick', { text: `${batch}-${i}` })),
    );
    ids.push(...created.map((t) => t.taskId));
  }
  await session.close();

  it('are 128 bits, base64url without padding (22 characters)', () => {
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });

  it('are unique', () => {
    expect(new Set(ids).size).toBe(N);
  });

  it('come from the CSPRNG: each is a 16-byte draw of crypto.randomBytes', () => {
    for (const id of ids) expect(drawn.has(id)).toBe(true);
  });

  it('look uniformly random: every one of the 128 bits is set in about half of them', () => {
    // A counter, a timestamp or a truncated UUID leaves some bit positions fixed or skewed. For
    // random bits the count per position is Binomial(2000, 0.5): sd 22, so ±200 is 9 sd.
    const counts = new Array<number>(128).fill(0);
    for (const id of ids) {
      const bytes = Buffer.from(id, 'base64url');
      for (let bit = 0; bit < 128; bit++) counts[bit]! += (bytes[bit >> 3]! >> (bit & 7)) & 1;
    }
    for (const count of counts) expect(Math.abs(count - N / 2)).toBeLessThan(200);
  });
});
