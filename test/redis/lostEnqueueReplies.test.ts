/**
 * A connection to Redis that drops while the reply to an enqueue is on its way: Redis ran it, and
 * ioredis sends the unanswered command again on its next connection. Before the fix the MULTI of
 * a request (or the notification script) ran twice: the request was queued twice and the client
 * was asked the same elicitation twice, a notification reached it twice. An enqueue now names
 * itself (a mark on the task's slot, 2 min): sent again, it changes nothing.
 * The proxy (queueProxy.ts) drops the connection right after Redis answered the command that
 * carries a marker: a text only that message holds.
 */
import { expect, it } from 'vitest';
import { z } from 'zod';
import { answerWith } from '../support/askingTools.js';
import { createTask, eventually, sleep, taskResult } from '../support/harness.js';
import { closeInstance, instance, redisForFile } from '../support/redisInstances.js';
import type { Instance } from '../support/redisInstances.js';
import { queueProxy } from './queueProxy.js';

const file = redisForFile();

it('asks an elicitation once when the reply to its enqueue was lost and ioredis sent it again', async () => {
  const proxy = await queueProxy(file.redis().port);
  const prefix = 'enqreq:';
  let a: Instance | undefined;
  try {
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', prefix, {
      extraTools: (tasks, server) =>
        tasks.registerTool(server, 'once', { taskSupport: 'required', inputSchema: { key: z.string() } }, async (_args, task) => {
          const answer = await task.elicit({ message: 'marker-question-7f3a', requestedSchema: { type: 'object', properties: {} } });
          return { content: [{ type: 'text', text: answer.action }] };
        }),
    });
    const client = a.session.client;
    let asked = 0;
    // Answered after a while, as a person would: every copy the server sends meanwhile is asked.
    answerWith(client, { elicit: async () => (++asked, await sleep(400), { action: 'accept', content: {} }) });
    proxy.armed.marker = 'marker-question-7f3a';
    proxy.armed.on = true;
    const task = await createTask(client, 'once', { key: 'k' });
    await eventually(() => proxy.armed.dropped === 1);
    // Asked on the session's stream once the enqueue answered (sent again on the next connection).
    await eventually(() => asked === 1);
    const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    expect(result.content).toEqual([{ type: 'text', text: 'accept' }]);
    // A second copy would go out on a later tasks/result, or on this one's stream before the end.
    await sleep(200);
    expect(asked).toBe(1);
  } finally {
    if (a) await closeInstance(a);
    await proxy.close();
  }
}, 20_000);

it('queues a notification once when the reply to its enqueue was lost and ioredis sent it again', async () => {
  const proxy = await queueProxy(file.redis().port);
  const prefix = 'enqnote:';
  let a: Instance | undefined;
  try {
    a = await instance({ ...file.redis(), url: proxy.url }, 'a', prefix, {
      extraTools: (tasks, server) => {
        server.server.registerCapabilities({ logging: {} });
        tasks.registerTool(server, 'logOnce', { taskSupport: 'required', inputSchema: { key: z.string() } }, async (_args, task) => {
          // Asked first: its answer comes while tasks/result is attached, so the log below is
          // queued for that call (a task nothing carries sends its notifications on the session).
          await task.elicit({ message: 'go?', requestedSchema: { type: 'object', properties: {} } });
          await task.log('info', 'marker-log-9c1e');
          // Until the resent enqueue (before the fix, a second copy) has landed.
          await sleep(500);
          return { content: [{ type: 'text', text: 'logged' }] };
        });
      },
    });
    const client = a.session.client;
    answerWith(client, { elicit: () => ({ action: 'accept', content: {} }) });
    proxy.armed.marker = 'marker-log-9c1e';
    proxy.armed.on = true;
    const task = await createTask(client, 'logOnce', { key: 'k' });
    const result = await taskResult(client, task.taskId, { signal: AbortSignal.timeout(5_000) });
    expect(result.content).toEqual([{ type: 'text', text: 'logged' }]);
    expect(proxy.armed.dropped).toBe(1);
    const logged = a.session.notifications.filter((n) => JSON.stringify(n.params).includes('marker-log-9c1e'));
    expect(logged).toHaveLength(1);
  } finally {
    if (a) await closeInstance(a);
    await proxy.close();
  }
}, 20_000);
