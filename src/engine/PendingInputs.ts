import type { Answer } from '../types.js';

/** A work's `ask` waiting for the client's answer. */
export interface PendingInput {
  resolve(result: unknown): void;
  reject(error: unknown): void;
  /**
   * Rejects because the task ended first (cancelled, expired, failed, or its work returned): the
   * rejection counts as handled, since no work can act on it any more, and a work that dropped
   * its ask must not end the process with an unhandled rejection.
   */
  abandon(error: unknown): void;
  parse(result: unknown): unknown;
  /**
   * Keeps an answer that came before the task's actor was told of this request, for TaskPort to
   * hand on once it is (PendingAnswer's); absent on an ask no client answers (FollowHold).
   */
  keepEarly?(answer: Answer): void;
  /** The answer {@link keepEarly} kept, once. */
  takeEarly?(): Answer | undefined;
}

/**
 * A task's asks waiting for an answer, by request id: the few Map methods the engine uses, with
 * the first ask kept in two fields and a Map made only for a second one at once. Nearly every
 * waiting task waits for one answer, and an empty Map's table alone is about 150 bytes per task
 * (issue 14: heap per task waiting for one elicitation; bench/heapProfile.ts `input`).
 * @internal
 */
export class PendingInputs {
  private firstId: string | undefined;
  private first: PendingInput | undefined;
  private more: Map<string, PendingInput> | undefined;

  get size(): number {
    return (this.firstId === undefined ? 0 : 1) + (this.more?.size ?? 0);
  }

  get(requestId: string): PendingInput | undefined {
    return requestId === this.firstId ? this.first : this.more?.get(requestId);
  }

  has(requestId: string): boolean {
    return requestId === this.firstId || (this.more?.has(requestId) ?? false);
  }

  set(requestId: string, input: PendingInput): this {
    // The first slot only while nothing else waits, so that keys() keeps the order asks came in.
    if (requestId === this.firstId || (this.firstId === undefined && (this.more === undefined || this.more.size === 0))) {
      this.firstId = requestId;
      this.first = input;
    } else {
      (this.more ??= new Map()).set(requestId, input);
    }
    return this;
  }

  delete(requestId: string): boolean {
    if (requestId === this.firstId) {
      this.firstId = undefined;
      this.first = undefined;
      return true;
    }
    return this.more?.delete(requestId) ?? false;
  }

  clear(): void {
    this.firstId = undefined;
    this.first = undefined;
    this.more = undefined;
  }

  /** The request ids, the first slot's first (a snapshot: safe to change the set while walking it). */
  keys(): string[] {
    const keys = this.more ? [...this.more.keys()] : [];
    if (this.firstId !== undefined) keys.unshift(this.firstId);
    return keys;
  }

  /** The waiting asks, in the order of {@link keys} (a snapshot). */
  values(): PendingInput[] {
    const values = this.more ? [...this.more.values()] : [];
    if (this.first !== undefined) values.unshift(this.first);
    return values;
  }
}
