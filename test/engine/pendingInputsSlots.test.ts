import { describe, expect, it } from 'vitest';
import { PendingInputs } from '../../src/engine/PendingInputs.js';
import type { PendingInput } from '../../src/engine/PendingInputs.js';

// LiveTask's asks waiting for an answer: one kept in fields, a Map only for more at once. It must
// behave as the Map it replaced: the engine rejects and resolves abandoned asks in the order they came.
const ask = (): PendingInput => ({ resolve: () => {}, reject: () => {}, abandon: () => {}, parse: (r) => r });

describe('the pending inputs of a task', () => {
  it('finds, counts and forgets asks like a Map, in the order they came', () => {
    const inputs = new PendingInputs();
    const [a, b, c, d] = [ask(), ask(), ask(), ask()];
    expect(inputs.size).toBe(0);
    inputs.set('a', a).set('b', b).set('c', c);
    expect(inputs.size).toBe(3);
    expect([inputs.get('a'), inputs.get('b'), inputs.get('c'), inputs.get('x')]).toEqual([a, b, c, undefined]);
    expect(inputs.keys()).toEqual(['a', 'b', 'c']);
    expect(inputs.delete('a')).toBe(true);
    expect(inputs.delete('a')).toBe(false);
    expect(inputs.has('a')).toBe(false);
    inputs.set('d', d);
    expect(inputs.keys()).toEqual(['b', 'c', 'd']);
    expect(inputs.values()).toEqual([b, c, d]);
    inputs.set('b', a);
    expect(inputs.keys()).toEqual(['b', 'c', 'd']);
    expect(inputs.get('b')).toBe(a);
    inputs.clear();
    expect(inputs.size).toBe(0);
    expect(inputs.keys()).toEqual([]);
  });

  it('takes the first slot again once nothing waits, and replaces an ask in it in place', () => {
    const inputs = new PendingInputs();
    const [a, b, c] = [ask(), ask(), ask()];
    inputs.set('a', a).set('b', b);
    inputs.delete('b');
    inputs.delete('a');
    inputs.set('c', c).set('a', a);
    expect(inputs.keys()).toEqual(['c', 'a']);
    inputs.set('c', b);
    expect(inputs.values()).toEqual([b, a]);
    expect(inputs.has('c') && inputs.has('a')).toBe(true);
  });
});
