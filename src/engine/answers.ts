import type { z } from 'zod';
import { mcpError } from '../errors.js';
import { describeParseError } from '../zodIssues.js';
import {
  AjvJsonSchemaValidator,
  CreateMessageResultSchema,
  CreateMessageResultWithToolsSchema,
  ElicitResultSchema,
  ErrorCode,
} from '../wire.js';
import type { McpError } from '../wire.js';

type Check = (content: unknown) => { valid: boolean; errorMessage?: string | undefined };

/** Distinct `requestedSchema` texts kept compiled; past it the validator starts afresh. */
const MAX_COMPILED = 256;
let validator: AjvJsonSchemaValidator | undefined;
const compiled = new Map<string, z.ZodType>();

/**
 * The answer schema of one `requestedSchema`, by its JSON text: Ajv keeps every schema object it
 * compiled (0.5 ms each, measured) for its lifetime, so a fresh object per ask would grow without
 * bound. Here a schema is compiled once per distinct text, and after MAX_COMPILED texts the
 * validator and its cache are dropped together. The refined zod schema is kept with it: a zod
 * schema made per ask was about 2 KB held by every task waiting for an answer (issue 14).
 */
function answerSchemaOf(requestedSchema: object): z.ZodType {
  const key = JSON.stringify(requestedSchema);
  let schema = compiled.get(key);
  if (schema) return schema;
  if (!validator || compiled.size >= MAX_COMPILED) {
    validator = new AjvJsonSchemaValidator();
    compiled.clear();
  }
  let check: Check;
  try {
    check = validator.getValidator(JSON.parse(key) as Parameters<AjvJsonSchemaValidator['getValidator']>[0]);
  } catch (error) {
    throw mcpError(ErrorCode.InvalidParams, `requestedSchema is not a valid JSON Schema: ${describeParseError(error)}`);
  }
  schema = ElicitResultSchema.superRefine((answer, ctx) => {
    if (answer.action !== 'accept') return;
    const result = check(answer.content ?? {});
    if (!result.valid) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: `does not match the requestedSchema: ${result.errorMessage}` });
    }
  });
  compiled.set(key, schema);
  return schema;
}

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
 * missing). URL mode has no schema. The schema is compiled when the work asks, so a schema Ajv cannot
 * compile fails that ask (-32602) before anything is sent, not each answer.
 */
function elicitAnswerSchema(params: unknown): z.ZodType {
  const requestedSchema = (params as { requestedSchema?: unknown } | undefined)?.requestedSchema;
  if (typeof requestedSchema !== 'object' || requestedSchema === null) return ElicitResultSchema;
  return answerSchemaOf(requestedSchema);
}

/** The error the work gets for an answer its schema refused (-32602), on the task path and inline alike. */
export function invalidAnswer(parseError: unknown): McpError {
  return mcpError(ErrorCode.InvalidParams, `Invalid answer from the client: ${describeParseError(parseError)}`);
}
