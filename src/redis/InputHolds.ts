import type { RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './keys.js';
import { LeanScript } from './leanScript.js';
import { RENEW_HOLDS, RESTORE } from './holdScripts.js';
import type { RedisClient } from './scripts.js';

const renewHolds = new LeanScript(RENEW_HOLDS);
const restore = new LeanScript(RESTORE);

/** The timings of {@link InputHolds}: a hold lasts one lease, and is renewed (and looked at) every renewal period. */
export interface InputHoldTimings {
  leaseMs: number;
  renewEveryMs: number;
}

/**
 * Input requests in flight between instances. An instance that takes a request out of a task's
 * queue to ask the client holds it: the take writes a mark naming this instance, valid one lease
 * (scripts.ts TAKE_ALL), and this renews the marks of the requests it still holds every renewal
 * period. The runner that asked a request looks, every renewal period, at those of its requests
 * still outstanding after a period: one neither queued nor held goes back in the queue. So a
 * request taken by an instance that died (SIGKILL) while the client was answering, or before it
 * forwarded the answer, is asked again within about one lease and one period, where it used to be
 * lost and its task stayed `input_required` until its ttl. A request answered within one renewal
 * period costs no command here; one held or awaited longer costs one command per period.
 * @internal
 */
export class InputHolds {
  /** Requests this instance took and holds, by task: when each was taken or last renewed. */
  private readonly held = new Map<string, Map<string, number>>();
  /** Requests this instance asked (its tasks), by task: when each was asked or last looked at. */
  private readonly asked = new Map<string, Map<string, number>>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticking = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
    /** This instance's name in its holds (the queue's random call prefix). */
    readonly holder: string,
    private readonly timings: InputHoldTimings,
    private readonly keyTtlMs: number,
    private readonly notificationPrefix: string,
  ) {}

  /** The value of a hold written now: its deadline, then the holder. */
  holdValue(now = Date.now()): string {
    return `${now + this.timings.leaseMs}:${this.holder}`;
  }

  /** This instance took these requests (the take wrote their holds). */
  took(taskId: string, requestIds: readonly string[]): void {
    this.add(this.held, taskId, requestIds);
  }

  /** This instance asked a request of a task it runs. */
  askedFor(taskId: string, requestId: string): void {
    this.add(this.asked, taskId, [requestId]);
  }

  /** The requests went back to the queue (their holds were dropped with it). */
  putBack(taskId: string, requestIds: readonly string[]): void {
    const held = this.held.get(taskId);
    if (!held) return;
    for (const id of requestIds) held.delete(id);
    if (held.size === 0) this.held.delete(taskId);
  }

  /** The request was answered or abandoned: nobody holds or waits for it any more. */
  resolved(taskId: string, requestId: string): void {
    for (const map of [this.held, this.asked]) {
      const entries = map.get(taskId);
      if (entries?.delete(requestId) && entries.size === 0) map.delete(taskId);
    }
  }

  /** The task's queue and requests were dropped. */
  cleared(taskId: string): void {
    this.held.delete(taskId);
    this.asked.delete(taskId);
  }

  private add(map: Map<string, Map<string, number>>, taskId: string, requestIds: readonly string[]): void {
    if (requestIds.length === 0) return;
    let entries = map.get(taskId);
    if (!entries) map.set(taskId, (entries = new Map()));
    const now = Date.now();
    for (const id of requestIds) entries.set(id, now);
    // Unref'd: holds and looks never keep a process alive; the timer stops when nothing is left.
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.timings.renewEveryMs);
      this.timer.unref?.();
    }
  }

  private async tick(): Promise<void> {
    if (this.held.size === 0 && this.asked.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    // One tick at a time: a slow Redis must not pile them up.
    if (this.ticking) return;
    this.ticking = true;
    try {
      const { leaseMs, renewEveryMs } = this.timings;
      const now = Date.now();
      // A hold renewed once older than this is renewed before it runs out (the next tick comes
      // within a period); younger ones wait, so a short exchange costs no renewal.
      const renewAfter = Math.min(renewEveryMs, (leaseMs - renewEveryMs) / 2);
      await Promise.allSettled([
        ...[...this.held].map(([taskId, entries]) => this.renew(taskId, due(entries, now - renewAfter), now)),
        ...[...this.asked].map(([taskId, entries]) => this.look(taskId, due(entries, now - renewEveryMs), now)),
      ]);
    } finally {
      this.ticking = false;
    }
  }

  private async renew(taskId: string, ids: string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    const args = [this.holder, this.holdValue(now), ...ids];
    const dropped = (await renewHolds.call(this.redis, [this.keys.open(taskId), this.keys.held(taskId)], args)) as string[];
    const entries = this.held.get(taskId);
    if (!entries) return;
    for (const id of ids) if (entries.has(id)) entries.set(id, now);
    for (const id of dropped) entries.delete(id);
    if (entries.size === 0) this.held.delete(taskId);
  }

  private async look(taskId: string, ids: string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    const keys = [this.keys.queue(taskId), this.keys.open(taskId), this.keys.held(taskId), this.keys.answers(taskId)];
    // Answers stored a lease ago: their sender has stopped PUBLISHing them (StoredAnswers.ts).
    const before = this.events.answers.taking ? String(now - this.timings.leaseMs) : '-1';
    const args = [String(now), String(this.keyTtlMs), this.keys.events, `q ${taskId}`, this.notificationPrefix, before, ...ids];
    const [restored, goneCount, ...rest] = (await restore.call(this.redis, keys, args)) as [number, number, ...string[]];
    const entries = this.asked.get(taskId);
    if (entries) {
      for (const id of ids) if (entries.has(id)) entries.set(id, now);
      for (const id of rest.slice(0, goneCount)) entries.delete(id);
      if (entries.size === 0) this.asked.delete(taskId);
    }
    // Answers whose forward reached no subscriber here (StoredAnswers.ts): the work goes on with them.
    this.events.answers.taken(taskId, rest.slice(goneCount));
    // The PUBLISH reaches the other instances; a tasks/result waiting here wakes now.
    if (restored > 0) this.events.queued.wake(taskId);
  }
}

/** The ids of `entries` last touched at or before `before`. */
function due(entries: Map<string, number>, before: number): string[] {
  const ids: string[] = [];
  for (const [id, at] of entries) if (at <= before) ids.push(id);
  return ids;
}
