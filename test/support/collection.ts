import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** One full collection. */
export function collectGarbage(): void {
  gc();
}

/**
 * Watches objects for collection (memory tests: what a long-lived object must not keep). A
 * FinalizationRegistry, not a WeakRef: a WeakRef keeps its target alive until the end of the job
 * that made or read it, which a test's await chain may never reach.
 */
export class Collection {
  private readonly gone = new Set<string>();
  private readonly registry = new FinalizationRegistry<string>((name) => this.gone.add(name));

  watch(target: object, name: string): void {
    this.registry.register(target, name);
  }

  /** Whether every object watched under one of `names` is collected after some full collections. */
  async collected(names: readonly string[]): Promise<boolean> {
    for (let i = 0; i < 20 && !names.every((name) => this.gone.has(name)); i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return names.every((name) => this.gone.has(name));
  }
}
