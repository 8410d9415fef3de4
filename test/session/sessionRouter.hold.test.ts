// SessionRouter.holdSends: what the session sends while a new task's CreateTaskResult is still on
// its way waits for the end of the current burst of microtasks, then goes out in order.
import { describe, expect, it, vi } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SessionRouter } from '../../src/session/SessionRouter.js';
import type { ConnectionPort, ServerHost } from '../../src/session/ServerHost.js';
import type { TaskEngine } from '../../src/engine/TaskEngine.js';

function router(sent: string[], host = {} as ServerHost) {
  const connection: ConnectionPort = {
    id: 'c1',
    closed: false,
    send: (message: JSONRPCMessage) => {
      sent.push((message as { method?: string }).method ?? 'response');
      return Promise.resolve();
    },
  };
  const r = new SessionRouter({} as TaskEngine, host, () => 'owner');
  r.opened(connection);
  return { r, connection };
}

/** A reply chain as the SDK runs it: a few microtasks, no timer, no I/O. */
async function replyChain(connection: ConnectionPort, sent: string[]): Promise<void> {
  await Promise.resolve();
  await Promise.resolve();
  await connection.send({ jsonrpc: '2.0', id: 1, result: {} });
  sent.push('(reply handed over)');
}

describe('SessionRouter.holdSends', () => {
  it('holds sends until the microtasks that hand the reply over have run, then sends them in order', async () => {
    const sent: string[] = [];
    const { r, connection } = router(sent);
    r.holdSends();
    const first = r.send({ method: 'notifications/tasks/status', params: {} } as never);
    const second = r.send({ method: 'notifications/progress', params: {} } as never);
    await replyChain(connection, sent);
    expect(sent).toEqual(['response', '(reply handed over)']);
    await Promise.all([first, second]);
    expect(sent).toEqual(['response', '(reply handed over)', 'notifications/tasks/status', 'notifications/progress']);
  });

  it('sends at once when nothing holds, and holds only for the burst it was asked in', async () => {
    const sent: string[] = [];
    const { r } = router(sent);
    const direct = r.send({ method: 'notifications/message', params: {} } as never);
    expect(sent).toEqual(['notifications/message']);
    await direct;
    r.holdSends();
    r.holdSends();
    await new Promise((resolve) => setImmediate(resolve));
    void r.send({ method: 'notifications/tasks/status', params: {} } as never);
    expect(sent).toEqual(['notifications/message', 'notifications/tasks/status']);
  });

  it('holds requests to the client too', async () => {
    const request = vi.fn(() => Promise.resolve({}));
    const { r } = router([], { request } as unknown as ServerHost);
    r.holdSends();
    const pending = r.clientChannel()!.request({ method: 'elicitation/create', params: {} } as never, {} as never);
    await Promise.resolve();
    expect(request).not.toHaveBeenCalled();
    await pending;
    expect(request).toHaveBeenCalledTimes(1);
  });
});
