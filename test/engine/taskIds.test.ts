import { afterAll, describe, expect, it, vi } from 'vitest';
import { connectInMemory, createTask, testTaskSupport } from '../support/harness.js';
import { Jobs } from '../support/jobs.js';

// Every draw from node:crypto's randomBytes, so the test can check that task ids are cut from them.
const draws = vi.hoisted(() => [] as Buffer[]);
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const randomBytes = ((size: number) => {
    const bytes = actual.randomBytes(size);
    draws.push(Buffer.from(bytes));
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

  it('come from the CSPRNG: each is its own 16 bytes of a crypto.randomBytes draw, none handed out twice', () => {
    // Draws may be pooled (many ids per draw); what counts is that each id is 16 drawn bytes at a
    // 16-byte boundary and that no drawn chunk serves two ids.
    const chunks = new Map<string, number>();
    for (const draw of draws) {
      for (let at = 0; at + 16 <= draw.length; at += 16) {
        const chunk = draw.toString('base64url', at, at + 16);
        chunks.set(chunk, (chunks.get(chunk) ?? 0) + 1);
      }
    }
    for (const id of ids) {
      expect(chunks.has(id), `id ${id} is drawn bytes`).toBe(true);
      chunks.set(id, chunks.get(id)! - 1);
    }
    for (const id of ids) expect(chunks.get(id), `id ${id} is used once`).toBeGreaterThanOrEqual(0);
  });

  it('are cut 256 from each draw: one 4 KB randomBytes call per 256 ids, not one per id (issue 14)', () => {
    // Other code draws too (request id prefixes, the SDK's ids), but never 4,096 bytes at once.
    const pools = draws.filter((draw) => draw.length === 16 * 256);
    expect(pools.length).toBeGreaterThanOrEqual(Math.ceil(N / 256));
    expect(pools.length).toBeLessThanOrEqual(Math.ceil(N / 256) + 1);
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
