import { CreateMessageResultSchema, CreateMessageResultWithToolsSchema, ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { answerSchemaFor, isParseError } from '../../src/engine/answers.js';

describe('the schema a client answer is checked with', () => {
  it('is the tools variant for a sampling request that offers tools, the plain one otherwise', () => {
    const tools = [{ name: 'lookup', inputSchema: { type: 'object' } }];
    expect(answerSchemaFor({ method: 'sampling/createMessage', params: { messages: [], tools } })).toBe(CreateMessageResultWithToolsSchema);
    expect(answerSchemaFor({ method: 'sampling/createMessage', params: { messages: [] } })).toBe(CreateMessageResultSchema);
    expect(answerSchemaFor({ method: 'sampling/createMessage', params: { messages: [], tools: null } })).toBe(CreateMessageResultSchema);
    expect(answerSchemaFor({ method: 'sampling/createMessage' })).toBe(CreateMessageResultSchema);
  });

  it('is the plain elicitation result for a request without a form schema', () => {
    expect(answerSchemaFor({ method: 'elicitation/create' })).toBe(ElicitResultSchema);
    expect(answerSchemaFor({ method: 'elicitation/create', params: { requestedSchema: null } })).toBe(ElicitResultSchema);
    expect(answerSchemaFor({ method: 'elicitation/create', params: { mode: 'url', url: 'https://example.com' } })).toBe(ElicitResultSchema);
  });

  it('is none for a method with no known result shape', () => {
    expect(answerSchemaFor({ method: 'roots/list', params: {} })).toBeUndefined();
  });
});

describe("what counts as a schema's refusal", () => {
  it('is an object with a list of issues, nothing else', () => {
    expect(isParseError({ issues: [] })).toBe(true);
    for (const other of [null, undefined, 'issues', 7, {}, { issues: 'x' }, new Error('x')]) expect(isParseError(other)).toBe(false);
  });
});
