import type { z } from 'zod';
import type { Answer } from '../types.js';
import { markHandled } from './abandoned.js';
import type { PendingInput } from './LiveTask.js';
import type { InputCounter } from './workContext.js';

/**
 * Answers that came before their task's actor was told of the request (see {@link PendingAnswer.keepEarly}),
 * by pending answer: a WeakMap, not a field, since nearly no ask ever has one and a field would cost
 * every task waiting for input (issue 14: bench/heapProfile.ts `input`); gone with its ask.
 */
const early = new WeakMap<PendingAnswer, Answer>();

/**
 * A work's ask waiting for its answer: the answer is checked against `schema` (none: taken as is).
 * It settles the promise the work holds directly, and tells the work's input counter once.
 */
export class PendingAnswer implements PendingInput {
  /** The promise this settles, the one the work holds (set by {@link pendingAnswer}, right after construction). */
  answer!: Promise<unknown>;

  constructor(
    private readonly settleResolve: (result: unknown) => void,
    private readonly settleReject: (error: unknown) => void,
    private readonly schema: z.ZodType | undefined,
    private counter: InputCounter | undefined,
  ) {}

  resolve(result: unknown): void {
    this.counted();
    this.settleResolve(result);
  }

  reject(error: unknown): void {
    this.counted();
    this.settleReject(error);
  }

  abandon(error: unknown): void {
    markHandled(this.answer);
    this.reject(error);
  }

  parse(result: unknown): unknown {
    return this.schema ? this.schema.parse(result) : result;
  }

  /**
   * Keeps the client's answer to a request that is in the queue but whose actor has not been told
   * yet (its enqueue landed, its reply is still to come): a `tasks/result` of another instance took
   * the request from the shared queue, or a 2026 `tasks/get` listed it, and the client answered. Sent
   * then, the actor (not waiting for it) ignored it and the task hung until its ttl; TaskPort's
   * `asked` hands it on right after telling the actor ({@link takeEarly}). The first answer is kept.
   */
  keepEarly(answer: Answer): void {
    if (!early.has(this)) early.set(this, answer);
  }

  /** The answer kept by {@link keepEarly}, once. */
  takeEarly(): Answer | undefined {
    const answer = early.get(this);
    if (answer) early.delete(this);
    return answer;
  }

  private counted(): void {
    const counter = this.counter;
    this.counter = undefined;
    counter?.inputSettled();
  }
}

/** A pending answer and the promise it settles. */
export function pendingAnswer(schema: z.ZodType | undefined, counter: InputCounter | undefined): [PendingAnswer, Promise<unknown>] {
  let pending!: PendingAnswer;
  const promise = new Promise<unknown>((resolve, reject) => {
    pending = new PendingAnswer(resolve, reject, schema, counter);
  });
  pending.answer = promise;
  return [pending, promise];
}
