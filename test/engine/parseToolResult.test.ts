import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseToolResult } from '../../src/engine/parseToolResult.js';
import { CallToolResultSchema } from '../../src/wire.js';

/** Results the hand check takes (the schema is not asked). */
const plain: unknown[] = [
  { content: [] },
  { content: [{ type: 'text', text: 'done' }] },
  { content: [{ text: 'keys in another order', type: 'text' }], isError: true },
  {
    isError: false,
    content: [
      { type: 'text', text: '' },
      { type: 'text', text: 'two' },
    ],
  },
  Object.assign(Object.create(null) as object, { content: [{ type: 'text', text: 'null prototype' }] }),
];

/** Results left to the schema: it accepts some, refuses others, and copies or defaults members. */
const others: unknown[] = [
  {},
  { isError: true },
  { content: undefined },
  { content: [], isError: undefined },
  { content: [], isError: 'yes' },
  { content: [], structuredContent: { n: 1 } },
  { content: [], _meta: { progressToken: 1 } },
  { content: [], extra: { kept: true } },
  { content: [{ type: 'text', text: 'x', extra: 1 }] },
  { content: [{ type: 'text', text: 'x', annotations: { priority: 1 } }] },
  { content: [{ type: 'text', text: 'x', _meta: { a: 1 } }] },
  { content: [{ type: 'text', text: 1 }] },
  { content: [{ type: 'image', text: 'not an image' }] },
  { content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }] },
  { content: [{ type: 'text', text: 'x' }, null] },
  // eslint-disable-next-line no-sparse-arrays -- a hole is what is checked
  { content: [{ type: 'text', text: 'x' }, , { type: 'text', text: 'y' }] },
  { content: 'text' },
  {
    content: [
      new (class Block {
        type = 'text';
        text = 'class instance';
      })(),
    ],
  },
  [],
  null,
  'done',
  new (class Result {
    content = [];
  })(),
];

describe('parseToolResult: the same answer as CallToolResultSchema', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(plain)('takes %j by hand, with the output the schema gives (keys and their order too)', (value) => {
    const schema = vi.spyOn(CallToolResultSchema, 'safeParse');
    const parsed = parseToolResult(value);
    expect(schema).not.toHaveBeenCalled();
    schema.mockRestore();
    const expected = CallToolResultSchema.safeParse(value);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toStrictEqual(expected.data);
    expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(expected.data));
    expect(Object.keys(parsed.data!)).toEqual(Object.keys(expected.data!));
  });

  it('copies the result as the schema does: a later change to what the work returned does not reach the stored outcome', () => {
    const block = { type: 'text' as const, text: 'before' };
    const result = { content: [block] };
    const parsed = parseToolResult(result);
    block.text = 'after';
    result.content.push({ type: 'text', text: 'more' });
    expect(parsed.data).toStrictEqual({ content: [{ type: 'text', text: 'before' }] });
  });

  it.each(others)('leaves %j to the schema and answers as it does', (value) => {
    const schema = vi.spyOn(CallToolResultSchema, 'safeParse');
    const parsed = parseToolResult(value);
    expect(schema).toHaveBeenCalledTimes(1);
    schema.mockRestore();
    const expected = CallToolResultSchema.safeParse(value);
    expect(parsed.success).toBe(expected.success);
    if (expected.success) expect(parsed.data).toStrictEqual(expected.data);
    else expect(parsed.error?.message).toBe(expected.error.message);
  });
});
