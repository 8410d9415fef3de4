/**
 * `sentOnStream` (engine/streamGap.ts) with a scripted channel: a request out on the standalone
 * stream when it drops is sent again, and its own later failure (a client that read it before the
 * drop and answers with an error, or the SDK's timeout of a request the transport still tracks) is
 * not the follow's. Over real HTTP the SDK drops the answer of an aborted request, so only a send
 * that ignores its signal shows the guard that keeps such a failure out.
 */
import { describe, expect, it } from 'vitest';
import { sentOnStream } from '../../src/engine/streamGap.js';
import type { StreamChange } from '../../src/engine/streamGap.js';

function channel() {
  const listeners = new Set<(change: StreamChange) => void>();
  return {
    open: true,
    canSend(): boolean {
      return this.open;
    },
    onReachable(listener: (change: StreamChange) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    tell(change: StreamChange) {
      if (change === 'dropped') this.open = false;
      if (change === 'opened') this.open = true;
      for (const listener of [...listeners]) listener(change);
    },
    get listening() {
      return listeners.size;
    },
  };
}

describe('sentOnStream', () => {
  it('sends a request lost with its stream again once a stream opens, and takes not the lost one’s late failure for its own', async () => {
    const ch = channel();
    const sends: ((outcome: { value?: string; error?: Error }) => void)[] = [];
    const sent = sentOnStream(
      ch,
      'tasks/result',
      [],
      () =>
        // Ignores its `lost` signal: settles only when the test says.
        new Promise<string>((resolve, reject) => sends.push(({ value, error }) => (error ? reject(error) : resolve(value!)))),
    );
    expect(sends).toHaveLength(1);
    ch.tell('dropped');
    sends[0]!({ error: new Error('Request timed out') });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sends).toHaveLength(1);
    ch.tell('opened');
    await new Promise((resolve) => setImmediate(resolve));
    expect(sends).toHaveLength(2);
    sends[1]!({ value: 'the result' });
    await expect(sent).resolves.toBe('the result');
    expect(ch.listening).toBe(0);
  });

  it('fails with the request’s own error when no stream dropped', async () => {
    const ch = channel();
    await expect(sentOnStream(ch, 'tasks/result', [], () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(ch.listening).toBe(0);
  });
});
