import { z } from 'zod';
import { describeZodError, mcpError } from '../errors.js';
import { ErrorCode } from '../wire.js';

/** Params of tasks/get, tasks/result and tasks/cancel; unknown fields are allowed and ignored. @internal */
export const taskIdParams = z.looseObject({ taskId: z.string().min(1).max(1024) });

/** Params of tasks/list. @internal */
export const listParams = z.looseObject({ cursor: z.string().max(1024).optional() }).optional();

/**
 * The one "Invalid params" of both protocols: `raw` checked against `schema`, -32602 with a
 * readable one-line message (the SDK's own parsing would surface a ZodError as -32603).
 * @internal
 */
export function parseParams<P extends z.ZodType>(method: string, schema: P, raw: unknown): z.output<P> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw mcpError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
