/** The handler that marks a rejection handled (one function for every abandoned ask). */
function ignore(): void {}

/**
 * Marks `promise`'s rejection handled: for an ask no work can act on any more (its task ended, or
 * its call is over). A work that awaits it still gets the rejection.
 * @internal
 */
export function markHandled(promise: Promise<unknown>): void {
  promise.catch(ignore);
}

/**
 * `asked` as the promise the work holds, with a rejection that comes once `isOver()` marked
 * handled: a work that dropped an ask must not end the process when its task or call ends (a
 * cancel, a closed connection). A rejection while the work runs stays the work's to handle.
 * @internal
 */
export function abandonedOnceOver<T>(asked: Promise<T>, isOver: () => boolean): Promise<T> {
  // The handler runs after `answer` exists, and marks it before rethrowing rejects it.
  const answer: Promise<T> = asked.catch((error: unknown) => {
    if (isOver()) markHandled(answer);
    throw error;
  });
  return answer;
}
