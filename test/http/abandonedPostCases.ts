/**
 * A POST whose response stream the client closes before its request is answered (fetch aborted,
 * connection dropped), on either SDK line's sessionful Streamable HTTP transport, sent raw. Neither
 * line aborted the request's handler then: a 2025-11-25 `tasks/result` kept waiting, took the
 * task's next input request off the queue and "sent" it into the dead stream without an error, so
 * it was neither pushed on the session's GET stream nor put back, and a client that polls
 * `tasks/get` never got it (the task stayed `input_required`). Now the requests of such a POST are
 * cancelled as if the client had sent `notifications/cancelled` for them (src/sdk/uniqueRequestIds.ts).
 * Run by test/http/abandonedPost.test.ts (McpHttpHost), test/sdk/v1/abandonedPost.test.ts (the
 * SDK's own transport, also with an event store) and test/sdk/v2/abandonedPost.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { raw } from './rawHttp.js';
import { openStream, rpc } from '../support/rawAskSession.js';
import type { Stream } from '../support/rawAskSession.js';

/** What the served tools do; each test file registers them on its SDK line's server. */
export interface AbandonedPostTools {
  /** `askTwice` (a required task tool): its work elicits `question 0`, then `question 1`. */
  readonly questions: readonly string[];
  /**
   * `wait` (the server's own tool) and `waitTask` (a task tool run inline): waits until its call's
   * signal aborts or the test releases `label`.
   */
  wait(label: string, signal: AbortSignal): Promise<string>;
}

export interface ServedTools {
  url: string;
  close(): Promise<void>;
}

function recorder() {
  const started = new Map<string, () => void>();
  const startedAt = new Map<string, Promise<void>>();
  const releases = new Map<string, () => void>();
  const aborted: Array<{ label: string; reason: unknown }> = [];
  const startOf = (label: string): Promise<void> => {
    let at = startedAt.get(label);
    if (!at) startedAt.set(label, (at = new Promise<void>((resolve) => started.set(label, resolve))));
    return at;
  };
  const tools: AbandonedPostTools = {
    questions: ['question 0', 'question 1'],
    wait(label, signal) {
      void startOf(label);
      started.get(label)!();
      return new Promise((resolve) => {
        const onAbort = (): void => {
          aborted.push({ label, reason: signal.reason });
          resolve(`aborted ${label}`);
        };
        releases.set(label, () => {
          signal.removeEventListener('abort', onAbort);
          resolve(`released ${label}`);
        });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
  return {
    tools,
    aborted,
    started: startOf,
    release: (label: string) => releases.get(label)?.(),
    releaseAll: () => {
      for (const release of releases.values()) release();
    },
  };
}

/** The JSON-RPC messages that arrived on an SSE stream so far. */
function messages(stream: Stream): Array<Record<string, unknown>> {
  return stream
    .text()
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
}

/** The `elicitation/create` asking `question` on `stream`, if it arrived. */
function elicitation(stream: Stream, question: string): { id: string | number } | undefined {
  return messages(stream).find(
    (m) => m['method'] === 'elicitation/create' && (m['params'] as { message?: unknown } | undefined)?.message === question,
  ) as { id: string | number } | undefined;
}

/** The one answer in a raw POST's body (SSE event or JSON). */
function answerOf(text: string): { result?: Record<string, unknown>; error?: unknown } {
  const data = text.split('\n').find((line) => line.startsWith('data: {'));
  return JSON.parse(data ? data.slice('data: '.length) : text) as { result?: Record<string, unknown>; error?: unknown };
}

/**
 * The cases on the server `start` makes (one session per test). `resumable`: the transport has an
 * event store, so a closed stream may be resumed (Last-Event-ID) and its requests are not cancelled.
 */
export function abandonedPostCases(name: string, start: (tools: AbandonedPostTools) => Promise<ServedTools>, resumable = false): void {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function session() {
    const record = recorder();
    const served = await start(record.tools);
    cleanups.push(() => served.close());
    // Released first (cleanups run last-in first): a waiting call must not hold the server's close.
    cleanups.push(() => record.releaseAll());
    const { url } = served;
    const clientInfo = { name: 'raw', version: '1' };
    const init = await raw(
      url,
      'POST',
      rpc(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo }),
    );
    const headers = { 'mcp-session-id': init.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-11-25' };
    await raw(url, 'POST', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
    const post = (id: number, method: string, params: unknown) => raw(url, 'POST', rpc(id, method, params), headers);
    const stream = async (method: 'GET' | 'POST', body?: string): Promise<Stream> => {
      const opened = await openStream(url, method, headers, body);
      cleanups.push(() => opened.close());
      return opened;
    };
    const reply = (id: string | number, value: string) =>
      raw(url, 'POST', JSON.stringify({ jsonrpc: '2.0', id, result: { action: 'accept', content: { value } } }), headers);
    return { ...record, url, headers, post, stream, reply };
  }

  describe(name, () => {
    if (!resumable) {
      it("a tasks/result whose stream the client closed gives the task's next input request up: it is pushed on the GET stream", async () => {
        const s = await session();
        const created = answerOf((await s.post(2, 'tools/call', { name: 'askTwice', arguments: {}, task: {} })).text);
        const taskId = (created.result as { task: { taskId: string } }).task.taskId;
        const result = await s.stream('POST', rpc(3, 'tasks/result', { taskId }));
        await expect.poll(() => elicitation(result, 'question 0') !== undefined, { timeout: 2000 }).toBe(true);
        const first = elicitation(result, 'question 0')!;
        // The client goes away (fetch aborted, connection lost) with question 0 unanswered.
        result.close();
        await result.ended;

        // It comes back polling: a GET stream for what the server pushes, tasks/get, the answer it owes.
        const get = await s.stream('GET');
        expect(answerOf((await s.post(4, 'tasks/get', { taskId })).text).result).toMatchObject({ status: 'input_required' });
        expect((await s.reply(first.id, 'a')).status).toBe(202);
        // Before: the abandoned tasks/result took question 1 and wrote it into its closed stream; the
        // GET stream got only status notifications and the task stayed input_required for ever.
        await expect.poll(() => elicitation(get, 'question 1') !== undefined, { timeout: 2000 }).toBe(true);
        expect((await s.reply(elicitation(get, 'question 1')!.id, 'b')).status).toBe(202);
        await expect
          .poll(async () => (answerOf((await s.post(5, 'tasks/get', { taskId })).text).result as { status?: string }).status, {
            timeout: 2000,
          })
          .toBe('completed');
        const answered = answerOf((await s.post(6, 'tasks/result', { taskId })).text);
        expect(answered.result).toMatchObject({ content: [{ type: 'text', text: 'a,b' }] });
      });
    }

    it.each([
      ['wait', 'the server’s own tool'],
      ['waitTask', 'a task tool run inline'],
    ])(
      resumable
        ? 'a call of %s (%s) whose stream the client closed keeps running (it may be resumed), and its answer is replayed'
        : 'the signal of a call of %s (%s) aborts when the client closes its stream unanswered, as if cancelled',
      async (tool) => {
        const s = await session();
        const label = `${tool} call`;
        const call = await s.stream('POST', rpc(7, 'tools/call', { name: tool, arguments: { label } }));
        await s.started(label);
        call.close();
        await call.ended;
        if (!resumable) {
          // Before: the handler kept waiting until the session ended.
          await expect.poll(() => s.aborted.map((a) => a.label), { timeout: 2000 }).toEqual([label]);
          // The session still serves, and the id is free again.
          s.release(label);
          expect(answerOf((await s.post(7, 'ping', {})).text).result).toEqual({});
          return;
        }
        // An event store keeps what the stream carried: the client may resume it with Last-Event-ID.
        const lastEventId = [...call.text().matchAll(/^id: (.+)$/gm)].at(-1)?.[1];
        expect(lastEventId).toBeDefined();
        // A round trip: had the close cancelled the call, its handler would have heard it by now.
        expect(answerOf((await s.post(8, 'ping', {})).text).result).toEqual({});
        expect(s.aborted).toEqual([]);
        const resumed = await openStream(s.url, 'GET', { ...s.headers, 'last-event-id': lastEventId! });
        cleanups.push(() => resumed.close());
        s.release(label);
        await expect
          .poll(() => messages(resumed).find((m) => m['id'] === 7), { timeout: 2000 })
          .toMatchObject({
            result: { content: [{ type: 'text', text: `released ${label}` }] },
          });
        expect(s.aborted).toEqual([]);
      },
    );

    if (!resumable) {
      it('a batch whose stream the client closed cancels its unanswered request, and frees every id of it', async () => {
        const s = await session();
        const batch = await s.stream(
          'POST',
          JSON.stringify([
            { jsonrpc: '2.0', id: 10, method: 'ping', params: {} },
            { jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'wait', arguments: { label: 'in batch' } } },
          ]),
        );
        await s.started('in batch');
        batch.close();
        await batch.ended;
        await expect.poll(() => s.aborted.map((a) => a.label), { timeout: 2000 }).toEqual(['in batch']);
        // Both ids are free again (a POST reusing an id in flight is refused 400).
        for (const id of [10, 11]) expect((await s.post(id, 'ping', {})).status).toBe(200);
      });
    }
  });
}
