import type { z } from 'zod';
import { markHandled } from './abandoned.js';
import type { PendingInput } from './LiveTask.js';
import type { InputCounter } from './workContext.js';

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
