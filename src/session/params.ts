import { ErrorCode } from '../wire.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { z } from 'zod';
import { describeZodError, mcpError } from '../errors.js';
import type { ServerExtra } from './ServerBinding.js';

/**
 * Installs a handler whose params are validated here, so malformed params get -32602 with a
 * readable message (the SDK's own parsing would surface a ZodError as -32603).
 * @internal
 */
export function setMethodHandler<P extends z.ZodType>(
  server: Server,
  method: string,
  params: P,
  handler: (params: z.output<P>, extra: ServerExtra) => Promise<Record<string, unknown>>,
): void {
  const request = z.object({ method: z.literal(method), params: z.unknown().optional() });
  server.setRequestHandler(request, async (raw, extra) => {
    const parsed = params.safeParse(raw.params);
    if (!parsed.success) {
      throw mcpError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${describeZodError(parsed.error)}`);
    }
    return handler(parsed.data, extra);
  });
}

/** Params of tasks/get, tasks/result and tasks/cancel; unknown fields are allowed and ignored. @internal */
export const taskIdParams = z.looseObject({ taskId: z.string().min(1).max(1024) });

/** Params of tasks/list. @internal */
export const listParams = z.looseObject({ cursor: z.string().max(1024).optional() }).optional();
