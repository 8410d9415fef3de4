/**
 * A demo timer length from the environment past Node's longest timer is refused with one line. It
 * was taken: Node fires such a setTimeout after 1 ms (a TimeoutOverflowWarning aside), so with
 * DEMO_SECOND_MS=99999999999 a 3-second countdown finished at once, and an MTA_LEASE_MS that long
 * renewed and swept leases every millisecond.
 */
import { describe, expect, it } from 'vitest';
import { demoBackend } from '../../src/demo/backend.js';
import { demoConfig } from '../../src/demo/config.js';

describe('demo timer lengths from the environment', () => {
  it('DEMO_SECOND_MS: up to 2147483647, refused past it', () => {
    expect(demoConfig([], { DEMO_SECOND_MS: '2147483647' }).secondMs).toBe(2147483647);
    for (const value of ['2147483648', '99999999999']) {
      expect(() => demoConfig([], { DEMO_SECOND_MS: value })).toThrow(
        new Error(`DEMO_SECOND_MS must be at most 2147483647 ms (the longest timer Node runs), got "${value}"`),
      );
    }
    // As before: not a whole number of at least 1.
    expect(() => demoConfig([], { DEMO_SECOND_MS: '0' })).toThrow('DEMO_SECOND_MS must be a whole number of at least 1, got "0"');
  });

  it('MTA_LEASE_MS: refused past 2147483647 before any Redis is dialled', async () => {
    await expect(demoBackend({ MTA_LEASE_MS: '99999999999', REDIS_URL: 'redis://127.0.0.1:1' })).rejects.toThrow(
      new Error('MTA_LEASE_MS must be at most 2147483647 ms (the longest timer Node runs), got "99999999999"'),
    );
  });
});
