import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { RateLimiter } from '../engine/RateLimiter.js';
import { currentRequestHandler } from '../sdk/v1/internals.js';
import type { ServerExtra } from './ServerBinding.js';

/** Every `tasks/*` method of both protocols (2025-11-25 and the tasks extension). */
const TASK_METHODS = ['tasks/get', 'tasks/result', 'tasks/list', 'tasks/cancel', 'tasks/update'] as const;

/**
 * Puts `limiter` in front of every `tasks/*` handler installed on `server`, whichever protocol
 * serves the request: one token per request, from the caller's bucket, taken before the params
 * are even read (malformed floods cost tokens too). Install after the task methods; a limiter
 * that limits nothing installs nothing.
 * @internal
 */
export function limitTaskOperations(
  server: Server,
  ownerOf: (extra: ServerExtra) => string,
  limiter: RateLimiter,
): void {
  if (!limiter.enabled) return;
  for (const method of TASK_METHODS) {
    const previous = currentRequestHandler(server, method);
    if (!previous) continue;
    const schema = z.object({ method: z.literal(method), params: z.unknown().optional() });
    server.setRequestHandler(schema, async (request, extra) => {
      limiter.take(ownerOf(extra), 'task requests');
      return (await previous(request as JSONRPCRequest, extra)) as Record<string, unknown>;
    });
  }
}
