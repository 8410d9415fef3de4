import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { unserializableResult } from '../../src/engine/errorMapping.js';

describe('a result that cannot be stored as JSON', () => {
  it('fails the task with -32603 saying why', () => {
    const error = unserializableResult(new TypeError('Do not know how to serialize a BigInt'));
    expect(error).toBeInstanceOf(McpError);
    expect(error.code).toBe(-32603);
    expect(error.message).toContain('Tool returned a result that is not JSON: Do not know how to serialize a BigInt');
    expect(unserializableResult('odd').message).toContain('Tool returned a result that is not JSON: odd');
  });
});
