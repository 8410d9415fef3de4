import { isJSONRPCErrorResponse, isJSONRPCRequest, isJSONRPCResultResponse } from '@modelcontextprotocol/server';
import {
  isJSONRPCErrorResponse as isErrorV1,
  isJSONRPCRequest as isRequestV1,
  isJSONRPCResultResponse as isResultV1,
} from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { surelyValidRequest } from '../../src/sdk/surelyValidRequest.js';

// Requests the hand check passes go to the SDK's request entry without its schemas: each must be a
// request, and no response, to both SDK lines' own checks.
const sure: unknown[] = [
  { jsonrpc: '2.0', id: 1, method: 'ping' },
  { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'x', arguments: { n: 1 }, task: { ttl: 5 } } },
  { jsonrpc: '2.0', id: 0, method: 'tasks/get', params: { taskId: 't', _meta: { progressToken: 'p', other: [1] } } },
  { jsonrpc: '2.0', id: -3, method: 'x', params: { _meta: { progressToken: 7 } } },
];
// Left to the schemas: some are valid, some not; the hand check is only sure of the plain ones.
const unsure: unknown[] = [
  { jsonrpc: '2.0', id: 1, method: 'ping', extra: true },
  { jsonrpc: '2.0', id: 1.5, method: 'ping' },
  { jsonrpc: '2.0', id: 1, method: 'ping', params: [] },
  { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { progressToken: 1.5 } } },
  { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } } } },
  { jsonrpc: '1.0', id: 1, method: 'ping' },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 1, result: {} },
  { jsonrpc: '2.0', id: null, method: 'ping' },
  null,
  'ping',
];

describe('surelyValidRequest agrees with both SDK lines', () => {
  it.each(sure.map((m) => [JSON.stringify(m), m]))('sure: %s is a request to v1 and v2, and no response', (_, message) => {
    expect(surelyValidRequest(message)).toBe(true);
    expect([isRequestV1(message), isJSONRPCRequest(message)]).toEqual([true, true]);
    expect([isResultV1(message), isErrorV1(message), isJSONRPCResultResponse(message), isJSONRPCErrorResponse(message)]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it.each(unsure.map((m) => [JSON.stringify(m), m]))('not sure: %s', (_, message) => {
    expect(surelyValidRequest(message)).toBe(false);
  });
});
