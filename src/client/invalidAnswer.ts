import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { describeZodError } from '../zodIssues.js';

/**
 * -32603 for a server answer that is not what the extension says, its issues on one line
 * (describeZodError; a ZodError's own message is its issues as pretty-printed JSON, naming no
 * request or task), `data.taskId` the task when it has one. Here, not in src/errors.ts, which would
 * pull server code into the client subpath.
 * @internal
 */
export function invalidServerAnswer(where: string, error: z.ZodError, taskId: unknown): McpError {
  const data = typeof taskId === 'string' ? { taskId } : undefined;
  return new McpError(ErrorCode.InternalError, `Invalid answer from the server to ${where}: ${describeZodError(error)}`, data);
}

/** `value` (a server's answer, or part of one) as `schema` parses it; else {@link invalidServerAnswer}. @internal */
export function parseServerAnswer<T>(schema: z.ZodType<T>, value: unknown, where: string, taskId: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidServerAnswer(where, parsed.error, taskId);
  return parsed.data;
}
