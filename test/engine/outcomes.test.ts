import { McpError } from '../../src/wire.js';
import { describe, expect, it } from 'vitest';
import { describeSettle } from '../../src/engine/outcomes.js';
import { ErrorCode } from '../../src/wire.js';

describe('what a settle stores', () => {
  it('names the client as the reason of a cancel that gives none', () => {
    expect(describeSettle('t1', { status: 'cancelled' })).toEqual({
      statusMessage: 'Cancelled by the client',
      outcome: {
        type: 'error',
        error: {
          code: ErrorCode.InternalError,
          message: 'Task t1 was cancelled: Cancelled by the client',
          data: { taskId: 't1', status: 'cancelled' },
        },
      },
    });
  });

  it('keeps the reason a cancel gives', () => {
    expect(describeSettle('t1', { status: 'cancelled', reason: 'Server shutting down' }).statusMessage).toBe('Server shutting down');
  });
});

describe('what a settle stores for a completed or failed task', () => {
  it('stores the result of a completed task, with no status message', () => {
    const result = { content: [{ type: 'text' as const, text: 'done' }] };
    expect(describeSettle('t1', { status: 'completed', output: result })).toStrictEqual({ outcome: { type: 'result', result } });
  });

  it('stores the reason of a shutdown as -32603 and as the status message', () => {
    expect(describeSettle('t1', { status: 'failed', shutdown: 'Server shutting down' })).toStrictEqual({
      statusMessage: 'Server shutting down',
      outcome: { type: 'error', error: { code: ErrorCode.InternalError, message: 'Server shutting down' } },
    });
  });

  it('stores a thrown McpError as its JSON-RPC error, and its message without the SDK prefix as the status message', () => {
    const error = new McpError(-32001, 'Quota exhausted', { retryAfter: 5 });
    expect(describeSettle('t1', { status: 'failed', error })).toStrictEqual({
      statusMessage: 'Quota exhausted',
      outcome: { type: 'error', error: { code: -32001, message: 'Quota exhausted', data: { retryAfter: 5 } } },
    });
  });

  it("stores another throw as an isError result with its message, a non-Error's text likewise", () => {
    expect(describeSettle('t1', { status: 'failed', error: new Error('disk full') })).toStrictEqual({
      statusMessage: 'disk full',
      outcome: { type: 'result', result: { content: [{ type: 'text', text: 'disk full' }], isError: true } },
    });
    expect(describeSettle('t1', { status: 'failed', error: 42 }).statusMessage).toBe('42');
  });
});
