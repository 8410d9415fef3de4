/**
 * What a task's work or a client controls (tool name, status text, an elicitation's message, a
 * failure's text) shown in the live view never runs as script in the page, in real Chromium; and a
 * secret in a tool's arguments, its result, a client's elicitation answer or an error's text never
 * reaches the live view's stream or the Stately relay's listeners.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { BrowserContext } from 'playwright-core';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskSupport } from '../../src/index.js';
import { startStatelyInspector } from '../../src/inspect/index.js';
import type { StatelyInspector } from '../../src/inspect/index.js';
import { liveViewRoutes } from '../../src/demo/liveView/routes.js';
import type { LiveView } from '../../src/demo/liveView/routes.js';
import { TaskBoard } from '../../src/demo/liveView/taskBoard.js';
import { connectInMemory, createTask, eventually, testTaskSupport } from '../support/harness.js';
import { openChromium } from '../support/headlessChromium.js';
import { skipWithout } from '../support/prerequisites.js';

const noChromium = skipWithout('chromium', 'test/demo/liveViewHostileContent.test.ts');
const SECRET = 'sk-live-7c1d9e';
/** Each sets `window.__pwned` if it ever runs as script or markup. */
const HTML = (n: number): string =>
  `<img src=x onerror="window.__pwned=${n}"><script>window.__pwned=${n}</script><svg onload="window.__pwned=${n}"></svg>`;

let tasks: TaskSupport;
let board: TaskBoard;
let view: LiveView;
let inspector: StatelyInspector;
let http: Server;
let url: string;
let browser: BrowserContext;
let closeChromium: (() => Promise<void>) | undefined;
let listener: WebSocket;
const relayed: string[] = [];

beforeAll(async () => {
  if (noChromium) return;
  board = new TaskBoard();
  inspector = await startStatelyInspector({ port: 0 });
  listener = new WebSocket(inspector.relayUrl);
  listener.on('message', (data) => void relayed.push(String(data)));
  await new Promise((resolve, reject) => listener.once('open', resolve).once('error', reject));
  tasks = testTaskSupport({
    inspect: {
      next: (event) => {
        board.observer.next?.(event);
        inspector.inspect.next?.(event);
      },
    },
  });
  const session = await connectInMemory(tasks, (server) => {
    tasks.registerTool(server, HTML(1), { taskSupport: 'required', inputSchema: { key: z.string() } }, async ({ key }, task) => {
      await task.status(HTML(2));
      // One task stays working, so its status text is on the page.
      if (key === 'hold') return await new Promise((resolve) => task.signal.addEventListener('abort', () => resolve({ content: [] })));
      const answer = await task.elicit({ message: HTML(3), requestedSchema: { type: 'object', properties: { pin: { type: 'string' } } } });
      if (key === 'fail') throw new Error(`${HTML(4)} ${SECRET} ${JSON.stringify(answer)}`);
      return { content: [{ type: 'text', text: `${SECRET} ${key} ${JSON.stringify(answer)}` }] };
    });
  });
  session.client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { pin: SECRET } }));
  await createTask(session.client, HTML(1), { key: SECRET });
  await createTask(session.client, HTML(1), { key: 'fail' });
  await createTask(session.client, HTML(1), { key: 'hold' });
  await eventually(() => (board.counts()['completed'] ?? 0) + (board.counts()['failed'] ?? 0) === 2, 10_000);

  view = liveViewRoutes(board, { flushMs: 50 });
  http = createServer((req, res) => {
    if (!view.routes(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/tasks`;
  ({ browser, close: closeChromium } = await openChromium());
}, 120_000);

afterAll(async () => {
  await closeChromium?.();
  view?.close();
  if (http) await new Promise((resolve) => http.close(resolve));
  await tasks?.close();
  listener?.terminate();
  await inspector?.stop();
});

describe.skipIf(noChromium)('hostile task content in the live view and the relay', () => {
  it('is shown as text, never run, with every row opened', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('.row').length === 3, undefined, { timeout: 15_000 });
    for (const row of await page.locator('.row').all()) await row.click();
    await page.waitForTimeout(500);
    const seen = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      injected: document.querySelectorAll('#tasks img, #tasks script, #tasks svg[onload]').length,
      text: document.body.innerText,
    }));
    expect(seen.pwned).toBeUndefined();
    expect(seen.injected).toBe(0);
    expect(dialogs).toEqual([]);
    // The tool name and status text are shown as the text they are.
    expect(seen.text).toContain('<img src=x onerror="window.__pwned=1">');
    expect(seen.text).toContain('<img src=x onerror="window.__pwned=2">');
    expect(seen.text).not.toContain(SECRET);
    await page.close();
  });

  it('no secret from arguments, result, elicitation answer or error reaches the stream or the relay', async () => {
    const abort = new AbortController();
    const response = await fetch(`${url}/events`, { signal: abort.signal });
    const reader = response.body!.getReader();
    let stream = '';
    while (!/event: snapshot\ndata: .*\n\n/.test(stream)) stream += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    expect(stream).toContain('window.__pwned=1');
    expect(stream).toContain('window.__pwned=2');
    expect(stream).not.toContain(SECRET);
    await eventually(() => relayed.some((m) => m.includes('window.__pwned=2')), 10_000);
    expect(relayed.join('\n')).not.toContain(SECRET);
    expect(JSON.stringify(board.tasks(100))).not.toContain(SECRET);
  });
});
