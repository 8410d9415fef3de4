import { describe, expect, it } from 'vitest';
import { raw } from '../http/rawHttp.js';
import { openStream, rpc } from './rawAskSession.js';
import type { RawAskSession, Stream } from './rawAskSession.js';

const ELICIT = '"method":"elicitation/create"';

const refusals: Array<{ name: string; headers: Record<string, string>; status: number }> = [
  { name: 'a second GET (409)', headers: {}, status: 409 },
  { name: 'a GET without text/event-stream in Accept (406)', headers: { accept: 'application/json' }, status: 406 },
];

/** The id of the elicitation/create pushed on `stream`. */
function elicitationId(stream: Stream): string | number {
  const line = stream
    .text()
    .split('\n')
    .find((l) => l.startsWith('data: ') && l.includes(ELICIT));
  return (JSON.parse(line!.slice('data: '.length)) as { id: string | number }).id;
}

/**
 * The cases of a GET the transport refuses (409: a second stream while one is open; 406: no
 * text/event-stream in Accept), for one SDK line's server: it opens no standalone stream and its end
 * ends none, so a polled task's input request is still pushed on the open GET, and one pushed before
 * is not asked again by the next tasks/result. `session` opens a session (see `openAskSession` in rawAskSession.ts).
 */
export function refusedGetCases(session: () => Promise<RawAskSession>): void {
  describe('a refused GET leaves the session’s open standalone stream open', () => {
    it("with no refused GET, a polled task's input request is pushed on the open GET (control)", async () => {
      const { url, headers, get, taskId } = await session();
      await raw(url, 'POST', rpc(3, 'tasks/get', { taskId }), headers);
      await expect.poll(() => get.text().includes(ELICIT), { timeout: 2000 }).toBe(true);
    });

    for (const refused of refusals) {
      it(`after ${refused.name}, a polled task's input request is still pushed on the open GET`, async () => {
        const { url, headers, get, taskId } = await session();
        expect((await raw(url, 'GET', undefined, { ...headers, ...refused.headers })).status).toBe(refused.status);
        // A client that polls: once it has asked about the task, its input requests come on the GET stream.
        await raw(url, 'POST', rpc(3, 'tasks/get', { taskId }), headers);
        await expect.poll(() => get.text().includes(ELICIT), { timeout: 2000 }).toBe(true);
      });

      it(`after ${refused.name}, a request pushed on the open GET is not asked again by tasks/result`, async () => {
        const { url, headers, get, taskId } = await session();
        await raw(url, 'POST', rpc(3, 'tasks/get', { taskId }), headers);
        await expect.poll(() => get.text().includes(ELICIT), { timeout: 2000 }).toBe(true);
        expect((await raw(url, 'GET', undefined, { ...headers, ...refused.headers })).status).toBe(refused.status);
        const result = await openStream(url, 'POST', headers, rpc(4, 'tasks/result', { taskId }));
        // A round trip after tasks/result began: a request it found lost would have been put back and
        // sent on its stream by now (in-memory storage answers within the same few event-loop turns).
        await raw(url, 'POST', rpc(5, 'tasks/get', { taskId }), headers);
        const answer = { jsonrpc: '2.0', id: elicitationId(get), result: { action: 'accept', content: {} } };
        expect((await raw(url, 'POST', JSON.stringify(answer), headers)).status).toBe(202);
        await result.ended;
        expect(result.text()).toContain('answered accept');
        expect(result.text()).not.toContain(ELICIT);
        expect(get.text().split(ELICIT).length - 1).toBe(1);
      });
    }
  });
}
