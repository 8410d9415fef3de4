/**
 * The MCP spec vocabulary the layers below src/sdk/ use at run time: zod schemas of the spec's
 * messages, the JSON-RPC error class and codes, and `_meta` keys. They come from the SDK's spec
 * module (`@modelcontextprotocol/sdk/types.js`, no server or transport code in it); this file is the
 * only place outside src/sdk/, src/client/ and src/demo/ that imports the SDK for values
 * (.dependency-cruiser.cjs checks it), so another SDK line changes at most this file.
 */
export {
  CallToolRequestParamsSchema,
  CallToolRequestSchema,
  CallToolResultSchema,
  CancelTaskResultSchema,
  CreateTaskResultSchema,
  ClientCapabilitiesSchema,
  CreateMessageResultSchema,
  CreateMessageResultWithToolsSchema,
  ElicitResultSchema,
  ErrorCode,
  GetTaskResultSchema,
  InitializeRequestParamsSchema,
  InitializeRequestSchema,
  JSONRPCRequestSchema,
  ListToolsRequestSchema,
  McpError,
  RELATED_TASK_META_KEY,
  TaskSchema,
  TaskStatusNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
/** The SDK's own JSON Schema validator (Ajv), as the SDK's `Server.elicitInput` checks an answer's content. */
export { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
