import type { LiveTaskCounter, MemoryBudget } from './limits.js';
import type { RateLimiter } from './RateLimiter.js';

/**
 * The engine's `admit` for one task creation of `owner`: the creation rate, the memory budget, then
 * the live-task count, cheapest refusal first (the count goes last, as it takes a slot when it
 * admits). A creation the budget or the count refuses gives its rate token back: a refused request
 * takes none (docs/limits.md), where a caller retrying at its live-task cap spent its creation burst
 * and was then refused by the rate as well, for up to a refill of the whole burst.
 * @internal
 */
export function admitCreation(rate: RateLimiter, budget: MemoryBudget, live: LiveTaskCounter): (owner: string) => void {
  return (owner) => {
    rate.take(owner, 'task creations');
    try {
      budget.check();
      live.admit(owner);
    } catch (error) {
      rate.giveBack(owner);
      throw error;
    }
  };
}
