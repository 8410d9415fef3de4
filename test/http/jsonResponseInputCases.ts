/**
 * A 2025-11-25 task that elicits, on a sessionful Streamable HTTP transport in JSON-response mode
 * (`enableJsonResponse`: every POST answered with one JSON body), driven raw. Such a transport drops
 * every message sent for a request but its answer, without an error: `tasks/result` "delivered" the
 * task's elicitation on its own POST, where it vanished, and as the call counted as attached nothing
 * was pushed on the GET stream either, so the task stayed `input_required` for ever and the call
 * never answered. Now a `tasks/result` on such a connection pushes the task's messages on the
 * session's GET stream, or leaves them queued while none is open. Run by
 * test/sdk/v1/jsonResponseInput.test.ts and test/sdk/v2/jsonResponseInput.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { raw } from './rawHttp.js';
import type { RawResponse } from './rawHttp.js';
import { openStream, rpc } from '../support/rawAskSession.js';
import type { Stream } from '../support/rawAskSession.js';

/** The questions `askTwice` elicits, in order; between them its work logs `between`. */
export const QUESTIONS = ['question 0', 'question 1'] as const;

export interface ServedSession {
  url: string;
  close(): Promise<void>;
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
function elicitation(stream: Stream, question: string): { id: string | number; params: Record<string, unknown> } | undefined {
  return messages(stream).find(
    (m) => m['method'] === 'elicitation/create' && (m['params'] as { message?: unknown } | undefined)?.message === question,
  ) as { id: string | number; params: Record<string, unknown> } | undefined;
}

/** A JSON-mode POST's one answer. */
function jsonAnswer(response: RawResponse): { result?: Record<string, unknown>; error?: { code: number; message: string } } {
  expect(response.headers['content-type']).toContain('application/json');
  return JSON.parse(response.text) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
}

/** The cases on the server `start` makes (a task tool `askTwice` on a JSON-response-mode transport, one session per test). */
export function jsonResponseInputCases(name: string, start: () => Promise<ServedSession>): void {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function session() {
    const served = await start();
    cleanups.push(() => served.close());
    const { url } = served;
    const clientInfo = { name: 'raw', version: '1' };
    const init = await raw(
      url,
      'POST',
      rpc(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo }),
    );
    const headers = { 'mcp-session-id': init.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-11-25' };
    expect((await raw(url, 'POST', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers)).status).toBe(202);
    const post = (id: number, method: string, params: unknown) => raw(url, 'POST', rpc(id, method, params), headers);
    const get = async (): Promise<Stream> => {
      const opened = await openStream(url, 'GET', headers);
      cleanups.push(() => opened.close());
      return opened;
    };
    const reply = async (id: string | number, value: string) => {
      const answer = { jsonrpc: '2.0', id, result: { action: 'accept', content: { value } } };
      expect((await raw(url, 'POST', JSON.stringify(answer), headers)).status).toBe(202);
    };
    const created = jsonAnswer(await post(2, 'tools/call', { name: 'askTwice', arguments: {}, task: {} }));
    const taskId = (created.result as { task: { taskId: string } }).task.taskId;
    const status = async () => (jsonAnswer(await post(90, 'tasks/get', { taskId })).result as { status: string }).status;
    return { post, get, reply, taskId, status };
  }

  /** Answers both questions as they arrive on `stream`, checking the log between them. */
  async function answerOn(stream: Stream, reply: (id: string | number, value: string) => Promise<void>, taskId: string) {
    await expect.poll(() => elicitation(stream, QUESTIONS[0]) !== undefined, { timeout: 3000 }).toBe(true);
    const first = elicitation(stream, QUESTIONS[0])!;
    expect(first.params['_meta']).toMatchObject({ 'io.modelcontextprotocol/related-task': { taskId } });
    await reply(first.id, 'a');
    // Asked while the tasks/result waits: pushed too, after the task's log.
    await expect.poll(() => elicitation(stream, QUESTIONS[1]) !== undefined, { timeout: 3000 }).toBe(true);
    const logged = messages(stream).find((m) => m['method'] === 'notifications/message');
    expect(logged?.['params']).toMatchObject({ data: 'between', _meta: { 'io.modelcontextprotocol/related-task': { taskId } } });
    await reply(elicitation(stream, QUESTIONS[1])!.id, 'b');
  }

  describe(name, () => {
    it("tasks/result pushes the task's elicitations and logs on the GET stream; their answers complete the task and tasks/result answers", async () => {
      const s = await session();
      const stream = await s.get();
      const result = s.post(3, 'tasks/result', { taskId: s.taskId });
      // Before: question 0 went into this POST's JSON answer slot and was dropped; nothing came here.
      await answerOn(stream, s.reply, s.taskId);
      const answered = jsonAnswer(await result);
      expect(answered.result).toMatchObject({
        content: [{ type: 'text', text: 'a,b' }],
        _meta: { 'io.modelcontextprotocol/related-task': { taskId: s.taskId } },
      });
      expect(await s.status()).toBe('completed');
    });

    it('with no GET stream open the elicitation stays queued (input_required); a tasks/result once one is open pushes it', async () => {
      const s = await session();
      const first = s.post(3, 'tasks/result', { taskId: s.taskId });
      // The first call has looked at the queue by now (a round trip after it), with no stream to push on.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await s.status()).toBe('input_required');
      const stream = await s.get();
      const second = s.post(4, 'tasks/result', { taskId: s.taskId });
      // The newer call takes over on this connection (TaskResultHandler's takeOverResultCall).
      expect(jsonAnswer(await first).error?.code).toBe(-32001);
      // Before: the first call had taken question 0 and lost it; put back when taken over, it was
      // lost again on the second call's POST.
      await answerOn(stream, s.reply, s.taskId);
      expect(jsonAnswer(await second).result).toMatchObject({ content: [{ type: 'text', text: 'a,b' }] });
    });
  });
}
