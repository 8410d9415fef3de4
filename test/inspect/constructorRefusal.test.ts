/**
 * A TaskSupport constructor that refuses an option must leave nothing running. With `inspect:
 * true` it started the Stately relay (a listening server and its sender socket) before it checked
 * the limits, the ttls, `storeTimeout` and `promoteAfter`: their RangeError left a relay listening
 * with no handle to stop it, and the process never ended by itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import type { TaskSupportOptions } from '../../src/index.js';

const servers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;

let before = 0;
afterEach(() => {
  // Nothing of a refused constructor may linger into the next test either.
  expect(servers()).toBeLessThanOrEqual(before);
});

describe('a TaskSupport constructor that throws, with inspect: true', () => {
  it.each<[string, TaskSupportOptions]>([
    ['limits', { limits: { maxLiveTasks: 0 } }],
    ['maxTtl', { maxTtl: 0 }],
    ['minTtl', { minTtl: -1 }],
    ['storeTimeout', { storeTimeout: -1 }],
    ['promoteAfter', { promoteAfter: -1 }],
  ])('refusing %s starts no Stately relay', async (_name, bad) => {
    before = servers();
    const logged: unknown[] = [];
    const log = (...args: unknown[]): void => void logged.push(args);
    expect(() => new TaskSupport({ inspect: true, inspectPort: 0, logger: { warn: log, error: log }, ...bad })).toThrow(RangeError);
    // The relay is started once its module is loaded (import() in lazyStatelyInspector.ts), and
    // listens within a few turns after: by then its server handle would be open.
    await import('../../src/inspect/statelyInspector.js');
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(servers()).toBeLessThanOrEqual(before);
    expect(logged).toEqual([]);
  });
});
