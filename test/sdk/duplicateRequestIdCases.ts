/**
 * The same JSON-RPC request id twice in flight on one Streamable HTTP session, sent raw (fetch), for
 * either SDK line's transport (test/sdk/v1/duplicateRequestId.test.ts, test/sdk/v2/…). Both lines'
 * transports find the POST to answer on by request id alone: before src/sdk/uniqueRequestIds.ts, a
 * second POST with the id of a call in flight took the first one's entry over, got the first call's
 * answer (or its own), and the first POST was never answered. Also the POST of a request the client
 * cancelled: the transports end a POST only once every request in it is answered, so before, it
 * stayed open (and an SDK client read it) until the session ended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/harness.js';

/** What the served tools do; each test file registers them on its SDK line's server. */
export interface DuplicateIdTools {
  /** `held` and `heldTask` (a task tool run inline): waits until the test releases `label`. */
  held(label: string): Promise<string>;
  /** `echo`: answers at once. */
  echo(text: string): string;
  /** `abortable` (a task tool run inline): waits for its signal to abort. */
  abortable(signal: AbortSignal): Promise<string>;
}

export interface ServedTools {
  url: string;
  close(): Promise<void>;
}

/** One HTTP answer, read to its end; `messages`: the JSON-RPC messages in it (JSON body or SSE events). */
interface Answer {
  status: number;
  messages: Array<{ id?: unknown; result?: { content?: Array<{ text?: string }> }; error?: { code: number; message: string } }>;
}

function recorder() {
  const gates = new Map<string, { started: () => void; startedAt: Promise<void>; release: () => void; released: Promise<void> }>();
  const gate = (label: string) => {
    let entry = gates.get(label);
    if (!entry) {
      let started!: () => void;
      let release!: () => void;
      const startedAt = new Promise<void>((resolve) => (started = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      entry = { started, startedAt, release, released };
      gates.set(label, entry);
    }
    return entry;
  };
  const echoed: string[] = [];
  const aborted: unknown[] = [];
  const tools: DuplicateIdTools = {
    async held(label) {
      const entry = gate(label);
      entry.started();
      await entry.released;
      return `held ${label}`;
    },
    echo(text) {
      echoed.push(text);
      return `echo ${text}`;
    },
    abortable(signal) {
      return new Promise((resolve) => {
        const done = () => {
          aborted.push(signal.reason);
          resolve('aborted');
        };
        if (signal.aborted) done();
        else signal.addEventListener('abort', done, { once: true });
      });
    },
  };
  return {
    tools,
    echoed,
    aborted,
    started: (label: string) => gate(label).startedAt,
    release: (label: string) => gate(label).release(),
    releaseAll: () => {
      for (const entry of gates.values()) entry.release();
    },
  };
}

const ACCEPT = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function post(url: string, headers: Record<string, string>, body: unknown, signal?: AbortSignal): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...ACCEPT, ...headers },
    body: JSON.stringify(body),
    signal: signal ?? AbortSignal.timeout(5000),
  });
  const text = await response.text();
  const isStream = response.headers.get('content-type')?.includes('text/event-stream') === true;
  const parsed: unknown[] = isStream
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
        .map((line) => JSON.parse(line.slice('data: '.length)) as unknown)
    : text
      ? [JSON.parse(text) as unknown].flat()
      : [];
  return { status: response.status, messages: parsed as Answer['messages'] };
}

async function openSession(url: string): Promise<Record<string, string>> {
  const clientInfo = { name: 'raw', version: '1' };
  const init = await fetch(url, {
    method: 'POST',
    headers: ACCEPT,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo },
    }),
  });
  await init.text();
  const headers = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
  await post(url, headers, { jsonrpc: '2.0', method: 'notifications/initialized' });
  return headers;
}

const call = (id: unknown, name: string, args: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

/**
 * The cases on the server `start` makes (a session per test; `abandonedPostFreesId`: the abandoned-POST
 * case, which holds only where the transport forgets a POST its client left, i.e. not in JSON-response mode).
 */
export function duplicateRequestIdCases(
  name: string,
  start: (tools: DuplicateIdTools) => Promise<ServedTools>,
  options: { abandonedPostFreesId: boolean },
): void {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function session() {
    const record = recorder();
    const served = await start(record.tools);
    cleanups.push(() => served.close());
    // Released first (cleanups run last-in first): a held call must not keep the server's close waiting.
    cleanups.push(() => record.releaseAll());
    return { ...record, url: served.url, headers: await openSession(served.url) };
  }

  describe(name, () => {
    it.each(['held', 'heldTask'])(
      'a second POST with the id of a %s call in flight is refused at once with -32600, and the first is answered on its own POST, once',
      async (tool) => {
        const s = await session();
        const first = post(s.url, s.headers, call(7, tool, { label: 'first' }));
        await s.started('first');
        const second = await post(s.url, s.headers, call(7, 'echo', { text: 'second' }));
        expect(second).toEqual({
          status: 400,
          messages: [{ jsonrpc: '2.0', id: 7, error: { code: -32600, message: 'Request id 7 is already in flight on this session' } }],
        });
        // Refused before anything in it ran.
        expect(s.echoed).toEqual([]);
        s.release('first');
        const answered = await first;
        expect(answered.status).toBe(200);
        expect(answered.messages).toEqual([{ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'held first' }] } }]);
        // Answered, the id is free again.
        const again = await post(s.url, s.headers, call(7, 'echo', { text: 'again' }));
        expect(again.messages).toEqual([{ jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'echo again' }] } }]);
      },
    );

    it('a string id, however long or with line breaks, is refused with a one-line message naming it shortened', async () => {
      const s = await session();
      const id = `line\nbreak ${'x'.repeat(300)}`;
      const first = post(s.url, s.headers, call(id, 'held', { label: 'long' }));
      await s.started('long');
      const second = await post(s.url, s.headers, call(id, 'echo', { text: 'second' }));
      expect(second.status).toBe(400);
      const [refused] = second.messages;
      expect(refused).toMatchObject({ id, error: { code: -32600 } });
      expect(refused!.error!.message).not.toContain('\n');
      expect(refused!.error!.message.length).toBeLessThan(120);
      expect(refused!.error!.message).toMatch(/^Request id "line\\nbreak x+…" is already in flight on this session$/);
      s.release('long');
      expect((await first).messages).toMatchObject([{ id, result: { content: [{ text: 'held long' }] } }]);
    });

    it('a batch carrying one id twice is refused whole: nothing in it runs, and the id stays free', async () => {
      const s = await session();
      const twice = await post(s.url, s.headers, [call(8, 'echo', { text: 'a' }), call(8, 'echo', { text: 'b' })]);
      expect(twice).toEqual({
        status: 400,
        messages: [{ jsonrpc: '2.0', id: 8, error: { code: -32600, message: 'Request id 8 appears more than once in one batch' } }],
      });
      expect(s.echoed).toEqual([]);
      const after = await post(s.url, s.headers, call(8, 'echo', { text: 'c' }));
      expect(after.messages).toEqual([{ jsonrpc: '2.0', id: 8, result: { content: [{ type: 'text', text: 'echo c' }] } }]);
    });

    it('a batch reusing an id in flight is refused whole: none of its requests runs, the first call is answered once', async () => {
      const s = await session();
      const first = post(s.url, s.headers, call(9, 'held', { label: 'nine' }));
      await s.started('nine');
      const batch = await post(s.url, s.headers, [call(10, 'echo', { text: 'ten' }), call(9, 'echo', { text: 'nine' })]);
      expect(batch.status).toBe(400);
      expect(batch.messages).toMatchObject([{ id: 9, error: { code: -32600 } }]);
      expect(s.echoed).toEqual([]);
      // Id 10 was in the refused batch only: it is free.
      const ten = await post(s.url, s.headers, call(10, 'echo', { text: 'ten' }));
      expect(ten.messages).toMatchObject([{ id: 10, result: { content: [{ text: 'echo ten' }] } }]);
      s.release('nine');
      expect((await first).messages).toEqual([{ jsonrpc: '2.0', id: 9, result: { content: [{ type: 'text', text: 'held nine' }] } }]);
    });

    it('the POST of a request the client cancelled ends at once, with no answer, and its id may be used again', async () => {
      const s = await session();
      const first = post(s.url, s.headers, call(11, 'abortable', {}));
      // The request is in flight once the server holds it: a POST with its id is refused until the cancel.
      await eventually(async () => (await post(s.url, s.headers, call(11, 'echo', { text: 'probe' }))).status === 400);
      const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 11, reason: 'changed my mind' } };
      expect((await post(s.url, s.headers, cancel)).status).toBe(202);
      // Before, it stayed open until the session ended (here: the 5 s fetch timeout).
      const ended = await first;
      expect(ended.messages).toEqual([]);
      expect([200, 202]).toContain(ended.status);
      await eventually(() => s.aborted.length === 1);
      const again = await post(s.url, s.headers, call(11, 'echo', { text: 'reused' }));
      expect(again.messages).toEqual([{ jsonrpc: '2.0', id: 11, result: { content: [{ type: 'text', text: 'echo reused' }] } }]);
    });

    it('a batch with a cancelled request ends with the answers of the others, whether they came before the cancel or after', async () => {
      const s = await session();
      const batch = post(s.url, s.headers, [
        call(14, 'echo', { text: 'answered' }),
        call(15, 'abortable', {}),
        call(16, 'held', { label: 'later' }),
      ]);
      await s.started('later');
      await post(s.url, s.headers, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 15 } });
      s.release('later');
      const ended = await batch;
      expect(ended.status).toBe(200);
      expect(ended.messages).toEqual([
        { jsonrpc: '2.0', id: 14, result: { content: [{ type: 'text', text: 'echo answered' }] } },
        { jsonrpc: '2.0', id: 16, result: { content: [{ type: 'text', text: 'held later' }] } },
      ]);
    });

    if (options.abandonedPostFreesId) {
      it('an id whose POST the client left may be used again (that answer could go nowhere); the late answer ends nothing', async () => {
        const s = await session();
        const gone = new AbortController();
        const first = post(s.url, s.headers, call(12, 'held', { label: 'left' }), gone.signal).catch((error: unknown) => error);
        await s.started('left');
        gone.abort();
        await first;
        let reused: Answer | undefined;
        await eventually(async () => (reused = await post(s.url, s.headers, call(12, 'echo', { text: 'after' }))).status === 200);
        expect(reused!.messages).toEqual([{ jsonrpc: '2.0', id: 12, result: { content: [{ type: 'text', text: 'echo after' }] } }]);
        s.release('left');
        // The session still serves.
        const next = await post(s.url, s.headers, call(13, 'echo', { text: 'next' }));
        expect(next.messages).toMatchObject([{ id: 13, result: { content: [{ text: 'echo next' }] } }]);
      });
    }
  });
}
