import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/**
 * What a `tools/call` may answer the extension client: any object. `resultType` may be left out (a
 * server that does not speak the extension answers a plain `CallToolResult`), and one that is no
 * string is refused afterwards as unsupported, not as a zod error. Optional in so many words: zod
 * 4.6 counts a bare `z.unknown()` key as required, which refused every plain answer.
 * @internal
 */
export const toolCallAnswerSchema = z.looseObject({ resultType: z.unknown().optional() });

/** A `tools/call` answer as {@link toolCallAnswerSchema} reads it. @internal */
export type ToolCallAnswer = z.output<typeof toolCallAnswerSchema>;

/** A tool result without the extension's `resultType` (the caller gets the `CallToolResult` itself). @internal */
export function withoutResultType(result: CallToolResult): CallToolResult {
  const { resultType: _resultType, ...rest } = result as CallToolResult & { resultType?: unknown };
  return rest as CallToolResult;
}
