import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { mapWorkError, unserializableResult } from '../../src/engine/errorMapping.js';

describe('a result that cannot be stored as JSON', () => {
  it('fails the task with -32603 saying why', () => {
    const error = unserializableResult(new TypeError('Do not know how to serialize a BigInt'));
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32603);
    expect(error.message).toContain('Tool returned a result that is not JSON: Do not know how to serialize a BigInt');
    expect(unserializableResult('odd').message).toContain('Tool returned a result that is not JSON: odd');
  });
});

describe('what the work threw, without a mapper', () => {
  it('is thrown as it is', () => {
    const thrown = new Error('disk full');
    const logged: unknown[] = [];
    expect(mapWorkError(thrown, undefined, { tool: 't', taskId: undefined }, { error: (...a: unknown[]) => void logged.push(a) })).toBe(
      thrown,
    );
    expect(logged).toEqual([]);
  });
});
