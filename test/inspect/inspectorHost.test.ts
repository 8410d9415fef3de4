/**
 * `startStatelyInspector`'s `host` must name an interface. `listen` takes '' (an empty HOST
 * variable) as every interface: the relay listened there, rebroadcasting every task's lifecycle to
 * the network, and then the sender's URL (`ws://:port/…`) threw in `ws`, so the call rejected with
 * a bare SyntaxError and left that relay listening with no handle to stop it.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStatelyInspector } from '../../src/inspect/index.js';

const servers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;

describe("startStatelyInspector's host", () => {
  it.each(['', ' '])('%o is refused with a TypeError naming it, and nothing is left listening', async (host) => {
    const before = servers();
    await expect(startStatelyInspector({ port: 0, host })).rejects.toThrow(
      new TypeError(`mcp-task-actors: startStatelyInspector's host must name an interface (e.g. 127.0.0.1), got ${JSON.stringify(host)}`),
    );
    expect(servers()).toBeLessThanOrEqual(before);
  });

  it('a loopback name still starts, and stop() closes it', async () => {
    const inspector = await startStatelyInspector({ port: 0, host: 'localhost' });
    expect(inspector.relayUrl).toMatch(/^ws:\/\/localhost:\d+$/);
    await inspector.stop();
    const again = new WebSocket(inspector.relayUrl);
    await expect(
      new Promise((resolve, reject) => {
        again.once('open', resolve);
        again.once('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
