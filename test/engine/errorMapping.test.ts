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

describe('what the work threw, through a mapper', () => {
  const logger = () => {
    const logged: unknown[][] = [];
    return { logged, error: (...a: unknown[]) => void logged.push(a) };
  };

  it('becomes the Error or McpError the mapper returns, or an Error with the string it returns', () => {
    const log = logger();
    const seen: unknown[] = [];
    const thrown = new Error('raw');
    const mcp = new McpError(-32001, 'mapped');
    expect(mapWorkError(thrown, (e, c) => (seen.push(e, c), mcp), { tool: 't', taskId: 'x' }, log)).toBe(mcp);
    expect(seen).toEqual([thrown, { tool: 't', taskId: 'x' }]);
    const fromString = mapWorkError(thrown, () => 'Something went wrong', { tool: 't', taskId: 'x' }, log) as Error;
    expect(fromString).toBeInstanceOf(Error);
    expect(fromString.message).toBe('Something went wrong');
    expect(log.logged).toEqual([]);
  });

  it('becomes a generic error, and is logged with the tool, when the mapper throws', () => {
    const log = logger();
    const broken = new Error('mapper bug');
    const mapped = mapWorkError(
      new Error('raw'),
      () => {
        throw broken;
      },
      { tool: 'search', taskId: undefined },
      log,
    ) as Error;
    expect(mapped.message).toBe('Internal error while reporting the tool error');
    expect(log.logged).toEqual([['mcp-task-actors: mapError threw while mapping an error of tool search', broken]]);
  });

  it('becomes a generic error, and is logged with the tool, when the mapper returns neither an Error nor a string', () => {
    const log = logger();
    const mapped = mapWorkError(new Error('raw'), () => 42 as unknown as string, { tool: 'search', taskId: undefined }, log) as Error;
    expect(mapped).toBeInstanceOf(Error);
    expect(mapped.message).toBe('Internal error while reporting the tool error');
    expect(log.logged).toEqual([['mcp-task-actors: mapError returned neither an Error nor a string for tool search']]);
  });
});
