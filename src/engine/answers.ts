import type { z } from 'zod';
import { CreateMessageResultSchema, CreateMessageResultWithToolsSchema, ElicitResultSchema } from '../wire.js';

/**
 * The one choice of how a client's answer to a server→client request is checked: the task's ask,
 * the inline ask and `tasks/update` all read it here. Undefined for a method with no known result
 * shape (its answer is passed on as is).
 */
export function answerSchemaFor(request: { method: string; params?: unknown }): z.ZodType | undefined {
  if (request.method === 'elicitation/create') return ElicitResultSchema;
  if (request.method === 'sampling/createMessage') {
    const params = request.params as { tools?: unknown } | undefined;
    return params?.tools === undefined || params.tools === null ? CreateMessageResultSchema : CreateMessageResultWithToolsSchema;
  }
  return undefined;
}
