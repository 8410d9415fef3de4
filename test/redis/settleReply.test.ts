/**
 * Issue 14, Redis CPU per lifecycle: the settle of a task created by the same store gets only the
 * runner back from Redis (the store knows the rest), where it got the whole hash to decode, and a
 * create sends the fields every record has without their names. The record the store answers with
 * must still be the one Redis holds, and the settle must refuse what it refused before.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisEvents } from '../../src/redis/RedisEvents.js';
import { RedisTaskStore } from '../../src/redis/RedisTaskStore.js';
import { RedisKeys } from '../../src/redis/keys.js';
import { LeaseHandoff } from '../../src/redis/leaseHandoff.js';
import { CREATE, SETTLE_UNINDEXED, withScripts } from '../../src/redis/scripts.js';
import type { TaskOutcome, TaskRecord } from '../../src/index.js';

const INSTANCE = 'instance-a';
const done: TaskOutcome = { type: 'result', result: { content: [{ type: 'text', text: 'done' }] } };

let prefix: string;
let keys: RedisKeys;
let commands: Redis;
let subscriber: Redis;
let reader: Redis;
let events: RedisEvents;
/** What Redis answered to each settle script this test's store sent. */
let settleReplies: unknown[];
/** Arguments of each create script this test's store sent. */
let createArgs: string[][];

function newStore(client: Redis): RedisTaskStore {
  return new RedisTaskStore(client, keys, events, undefined, new LeaseHandoff(INSTANCE, 10_000, true));
}

const sha1 = (lua: string): string => createHash('sha1').update(lua).digest('hex');
const SCRIPTS = new Map([CREATE, SETTLE_UNINDEXED].flatMap((lua) => [[lua, lua] as const, [sha1(lua), lua] as const]));

/**
 * Records the create scripts' KEYS and ARGV and the settle scripts' replies `client` sends, by the
 * script's text or hash (EVAL or EVALSHA), whichever way the store calls them.
 */
function watchScripts(client: Redis): void {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    const sent = send(command, stream);
    const [first, , ...rest] = command.args as string[];
    const lua = /^eval(sha)?$/.test(command.name) ? SCRIPTS.get(first!) : undefined;
    if (lua === CREATE) createArgs.push(rest);
    if (lua === SETTLE_UNINDEXED)
      void command.promise.then(
        (reply) => settleReplies.push(reply),
        () => {},
      );
    return sent;
  };
}

beforeEach(async () => {
  settleReplies = [];
  createArgs = [];
  prefix = `reply${randomBytes(4).toString('hex')}:`;
  keys = new RedisKeys(prefix);
  commands = new Redis(inject('redisUrl'));
  subscriber = new Redis(inject('redisUrl'));
  reader = new Redis(inject('redisUrl'));
  events = new RedisEvents(subscriber, keys);
  await events.start();
  // The store's own client, its script calls watched on the wire (the replies are Redis's, unchanged).
  watchScripts(commands);
});
afterEach(() => {
  events.stop();
  for (const client of [commands, subscriber, reader]) client.disconnect();
});

function record(taskId: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  const now = new Date().toISOString();
  return {
    taskId,
    owner: 'o',
    status: 'working',
    createdAt: now,
    lastUpdatedAt: now,
    ttl: 60_000,
    pollInterval: 100,
    runner: INSTANCE,
    ...overrides,
  };
}

/** The record as another instance reads it from Redis (a store that settled nothing). */
async function stored(taskId: string): Promise<TaskRecord | undefined> {
  return newStore(reader).get(taskId);
}

describe('a settle of a task the same store created', () => {
  it('gets the runner back, not the hash, and answers with the record Redis holds', async () => {
    const store = newStore(commands);
    const created = record('short', {
      statusMessage: 'queued',
      restart: { tool: 'echo', args: { text: 'hi', nested: [1, { deep: true }] } },
    });
    await store.create(created);
    const settled = await store.settle('short', 'completed', undefined, done, INSTANCE);
    expect(settleReplies).toEqual([`r${INSTANCE}`]);
    expect(settled).toEqual({ ...created, status: 'completed', statusMessage: undefined, lastUpdatedAt: settled!.lastUpdatedAt });
    // The message from the create is gone from the hash too, not only from the answer.
    expect(settled).not.toHaveProperty('statusMessage');
    expect(await stored('short')).toEqual(settled);
    expect(await newStore(reader).getOutcome('short')).toEqual(done);
    // The outcome expires with the record, to the millisecond.
    const [taskExpiry, outcomeExpiry] = await Promise.all([
      reader.call('PEXPIRETIME', keys.task('short')),
      reader.call('PEXPIRETIME', keys.outcome('short')),
    ]);
    expect(outcomeExpiry).toBe(taskExpiry);
    expect(taskExpiry).toBe(Date.parse(created.createdAt) + created.ttl);
  });

  it('reads the runner a takeover moved, and keeps a message the settle gives', async () => {
    const store = newStore(commands);
    await store.create(record('moved'));
    // Another instance took the task over after the create (the hash's runner is not the record's);
    // a client's cancel here carries no runner, so the fence lets it through.
    await withScripts(reader).mtaClaim(keys.task('moved'), 'instance-b', String(Date.now() + 10_000));
    const settled = await store.settle('moved', 'cancelled', 'by the client', { type: 'error', error: { code: -32603, message: 'x' } });
    expect(settleReplies).toEqual(['rinstance-b']);
    expect(settled).toMatchObject({ status: 'cancelled', statusMessage: 'by the client', runner: 'instance-b' });
    expect(await stored('moved')).toEqual(settled);
  });

  it('refuses as before: another runner, a task already ended, a task gone', async () => {
    const store = newStore(commands);
    const other = newStore(reader);
    await store.create(record('fenced'));
    await withScripts(reader).mtaClaim(keys.task('fenced'), 'instance-b', String(Date.now() + 10_000));
    expect(await store.settle('fenced', 'completed', undefined, done, INSTANCE)).toBeUndefined();
    expect((await stored('fenced'))?.status).toBe('working');

    await store.create(record('ended'));
    expect(await other.settle('ended', 'cancelled', 'by b', { type: 'error', error: { code: -32603, message: 'c' } })).toBeDefined();
    expect(await store.settle('ended', 'completed', undefined, done, INSTANCE)).toBeUndefined();
    expect(await stored('ended')).toMatchObject({ status: 'cancelled', statusMessage: 'by b' });

    await store.create(record('gone'));
    await reader.del(keys.task('gone'));
    expect(await store.settle('gone', 'completed', undefined, done, INSTANCE)).toBeUndefined();
    expect(await reader.exists(keys.outcome('gone'))).toBe(0);
    expect(settleReplies).toEqual([null, null, null]);
  });

  it('gets the whole hash back for a task created elsewhere, and the same record', async () => {
    const store = newStore(commands);
    const created = record('elsewhere', { statusMessage: 'queued' });
    await newStore(reader).create(created);
    const settled = await store.settle('elsewhere', 'completed', 'done', done, INSTANCE);
    expect(Array.isArray(settleReplies[0])).toBe(true);
    expect(settled).toEqual({ ...created, status: 'completed', statusMessage: 'done', lastUpdatedAt: settled!.lastUpdatedAt });
    expect(await stored('elsewhere')).toEqual(settled);
  });
});

describe('a create on one Redis', () => {
  it('sends the fields every record has by position, without their names', async () => {
    const store = newStore(commands);
    const created = record('lean', { statusMessage: 'queued' });
    await store.create(created);
    const [args] = createArgs;
    for (const name of ['taskId', 'owner', 'status', 'createdAt', 'lastUpdatedAt', 'ttl', 'pollInterval']) expect(args).not.toContain(name);
    expect(args).toContain('statusMessage');
    expect(await stored('lean')).toEqual(created);
  });
});
