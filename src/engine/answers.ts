import type { z } from 'zod';
import { describeParseError, mcpError } from '../errors.js';
import {
  AjvJsonSchemaValidator,
  CreateMessageResultSchema,
  CreateMessageResultWithToolsSchema,
  ElicitResultSchema,
  ErrorCode,
} from '../wire.js';
import type { McpError } from '../wire.js';

/** One validator for the process: Ajv compiles each `requestedSchema` once per ask. */
let validator: AjvJsonSchemaValidator | undefined;

/**
 * The one choice of how a client's answer to a server→client request is checked: the task's ask,
 * the inline ask and `tasks/update` all read it here. Undefined for a method with no known result
 * shape (its answer is passed on as is).
 */
export function answerSchemaFor(request: { method: string; params?: unknown }): z.ZodType | undefined {
  if (request.method === 'elicitation/create') return elicitAnswerSchema(request.params);
  if (request.method === 'sampling/createMessage') {
    const params = request.params as { tools?: unknown } | undefined;
    return params?.tools === undefined || params.tools === null ? CreateMessageResultSchema : CreateMessageResultWithToolsSchema;
  }
  return undefined;
}

/**
 * An `ElicitResult` whose accepted `content` also matches the form's `requestedSchema`, checked with
 * the SDK's validator as the SDK's own `elicitInput` does; without this the work received whatever
 * the client sent. A form accepted without `content` is checked as `{}` (its required fields are
 * missing). URL mode has no schema. The schema is compiled here, once, so a schema Ajv cannot compile
 * fails the ask before anything is sent rather than each answer.
 */
function elicitAnswerSchema(params: unknown): z.ZodType {
  const requestedSchema = (params as { requestedSchema?: unknown } | undefined)?.requestedSchema;
  if (typeof requestedSchema !== 'object' || requestedSchema === null) return ElicitResultSchema;
  validator ??= new AjvJsonSchemaValidator();
  const check = validator.getValidator(requestedSchema as Parameters<AjvJsonSchemaValidator['getValidator']>[0]);
  return ElicitResultSchema.superRefine((answer, ctx) => {
    if (answer.action !== 'accept') return;
    const result = check(answer.content ?? {});
    if (!result.valid) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: `does not match the requestedSchema: ${result.errorMessage}` });
    }
  });
}

/** The error the work gets for an answer its schema refused (-32602), on the task path and inline alike. */
export function invalidAnswer(parseError: unknown): McpError {
  return mcpError(ErrorCode.InvalidParams, `Invalid answer from the client: ${describeParseError(parseError)}`);
}

/** Whether `error` is a schema's refusal (a zod error: its issues), not a transport or client error. */
export function isParseError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && Array.isArray((error as { issues?: unknown }).issues);
}
