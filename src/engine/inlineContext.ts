import { CreateMessageResultSchema, CreateMessageResultWithToolsSchema, ElicitResultSchema } from '../wire.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { assertCanElicit, assertCanSample } from './clientCapabilities.js';
import type { ServerExtra } from '../session/ServerBinding.js';
import type { TaskContext } from './TaskContext.js';

/** The `task` an `optional` tool gets when called without `task`: the same API over the plain call. @internal */
export function inlineContext(extra: ServerExtra, capabilities: () => ClientCapabilities | undefined): TaskContext {
  const progressToken = extra._meta?.progressToken;
  let step = 0;
  const progress = async (value: number, total?: number, message?: string): Promise<void> => {
    if (progressToken === undefined) return;
    await extra.sendNotification({
      method: 'notifications/progress',
      params: { progressToken, progress: value, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) },
    });
  };
  return {
    taskId: undefined,
    signal: extra.signal,
    // Inline there is no task status; a status line becomes a progress message when the caller asked for progress.
    status: (message) => progress(++step, undefined, message),
    elicit: (params) => {
      assertCanElicit(capabilities(), params);
      return extra.sendRequest({ method: 'elicitation/create', params }, ElicitResultSchema);
    },
    createMessage: (params) => {
      assertCanSample(capabilities(), params);
      const schema = params.tools ? CreateMessageResultWithToolsSchema : CreateMessageResultSchema;
      return extra.sendRequest({ method: 'sampling/createMessage', params }, schema);
    },
    log: (level, data, logger) =>
      extra.sendNotification({
        method: 'notifications/message',
        params: logger === undefined ? { level, data } : { level, data, logger },
      }),
    progress,
  };
}
