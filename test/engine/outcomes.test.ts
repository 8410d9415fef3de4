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
