import { CreateMessageResultSchema, CreateMessageResultWithToolsSchema, ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { answerSchemaFor, invalidAnswer } from '../../src/engine/answers.js';
import { isZodError } from '../../src/zodIssues.js';

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
    expect(isZodError({ issues: [] })).toBe(true);
    for (const other of [null, undefined, 'issues', 7, {}, { issues: 'x' }, new Error('x')]) expect(isZodError(other)).toBe(false);
  });
});

describe('an accepted form answer checked against its requestedSchema', () => {
  const request = {
    method: 'elicitation/create',
    params: { message: 'Approve?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } },
  };

  it("is refused by one custom issue on `content`, named in the work's error", () => {
    const parsed = answerSchemaFor(request)!.safeParse({ action: 'accept', content: { ok: 'yes' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues).toHaveLength(1);
    expect(parsed.error!.issues[0]).toMatchObject({ code: 'custom', path: ['content'] });
    const error = invalidAnswer(parsed.error);
    expect(error.code).toBe(-32602);
    expect(error.message).toBe('Invalid answer from the client: content: does not match the requestedSchema: data/ok must be boolean');
  });

  it('lets a matching, declined or cancelled answer through', () => {
    const schema = answerSchemaFor(request)!;
    expect(schema.safeParse({ action: 'accept', content: { ok: true } }).success).toBe(true);
    expect(schema.safeParse({ action: 'decline' }).success).toBe(true);
    expect(schema.safeParse({ action: 'cancel' }).success).toBe(true);
  });

  it('checks an accepted answer without content as empty content (its required fields are missing)', () => {
    const parsed = answerSchemaFor(request)!.safeParse({ action: 'accept' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]?.message).toMatch(/^does not match the requestedSchema: .*ok/);
  });

  it('is compiled once per distinct schema text: the same text gives the same schema', () => {
    const again = {
      method: 'elicitation/create',
      params: { ...request.params, requestedSchema: JSON.parse(JSON.stringify(request.params.requestedSchema)) as object },
    };
    expect(answerSchemaFor(again)).toBe(answerSchemaFor(request));
  });
});

describe('a requestedSchema that is no JSON Schema', () => {
  it('is refused with -32602 when the work asks, naming the cause', () => {
    expect(() => answerSchemaFor({ method: 'elicitation/create', params: { requestedSchema: { type: 'no-such-type' } } })).toThrow(
      expect.objectContaining({ code: -32602, message: expect.stringMatching(/^requestedSchema is not a valid JSON Schema: ./) }),
    );
  });

  it('is ignored when it is not an object at all (the plain elicitation result checks the answer)', () => {
    expect(answerSchemaFor({ method: 'elicitation/create', params: { requestedSchema: 'text' } })).toBe(ElicitResultSchema);
  });
});
