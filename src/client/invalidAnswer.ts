import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';

/** How many of a refused answer's issues an error names. */
const MAX_ISSUES = 5;

/** A zod parse error (the SDK rejects a result its schema refuses with one). @internal */
export function isZodError(error: unknown): error is z.ZodError {
  return error instanceof Error && Array.isArray((error as { issues?: unknown }).issues);
}

/**
 * -32603 for a server answer that is not what the extension says, its issues on one line (`path:
 * message`; a ZodError's own message is its issues as pretty-printed JSON, naming no request or
 * task), `data.taskId` the task when it has one. Here, not in src/errors.ts, which would pull
 * server code into the client subpath.
 * @internal
 */
export function invalidServerAnswer(where: string, error: z.ZodError, taskId: unknown): McpError {
  const issues = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : '';
  const data = typeof taskId === 'string' ? { taskId } : undefined;
  return new McpError(
    ErrorCode.InternalError,
    `Invalid answer from the server to ${where}: ${issues.slice(0, MAX_ISSUES).join('; ')}${more}`,
    data,
  );
}

/** `value` (a server's answer, or part of one) as `schema` parses it; else {@link invalidServerAnswer}. @internal */
export function parseServerAnswer<T>(schema: z.ZodType<T>, value: unknown, where: string, taskId: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidServerAnswer(where, parsed.error, taskId);
  return parsed.data;
}
