import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveView } from '../../src/demo/liveView/routes.js';

/**
 * Serves `view`'s routes (404 for any other path) on a loopback port; `close` closes the view, its
 * connections and the server. `events` is its event stream's URL.
 */
export async function serveLiveView(view: LiveView): Promise<{ http: Server; events: string; close(): Promise<void> }> {
  const http = createServer((req, res) => {
    if (!view.routes(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    http,
    events: `http://127.0.0.1:${(http.address() as AddressInfo).port}/tasks/events`,
    close: async () => {
      view.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
