import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
} from '@modelcontextprotocol/sdk/types.js';
import { MissingClientCapabilityError } from './TaskContext.js';

/** Throws unless the client declared what an elicitation in this mode needs. @internal */
export function assertCanElicit(
  capabilities: ClientCapabilities | undefined,
  params: ElicitRequestFormParams | ElicitRequestURLParams,
): void {
  const elicitation = capabilities?.elicitation;
  if (!elicitation) throw new MissingClientCapabilityError('elicitation');
  if (params.mode === 'url') {
    if (!elicitation.url) throw new MissingClientCapabilityError('elicitation.url');
    return;
  }
  // An empty `elicitation: {}` predates modes and means form support.
  const declaresModes = elicitation.form !== undefined || elicitation.url !== undefined;
  if (declaresModes && !elicitation.form) throw new MissingClientCapabilityError('elicitation.form');
}

/** Throws unless the client declared sampling (with tools, when the request uses them). @internal */
export function assertCanSample(capabilities: ClientCapabilities | undefined, params: CreateMessageRequestParams): void {
  if (!capabilities?.sampling) throw new MissingClientCapabilityError('sampling');
  if ((params.tools || params.toolChoice) && !capabilities.sampling.tools) {
    throw new MissingClientCapabilityError('sampling.tools');
  }
}

/** Whether the client declared it runs `method` as a task (`tasks.requests.elicitation.create` / `.sampling.createMessage`). @internal */
export function canRunAsTask(
  capabilities: ClientCapabilities | undefined,
  method: 'elicitation/create' | 'sampling/createMessage',
): boolean {
  const requests = capabilities?.tasks?.requests;
  return method === 'elicitation/create' ? requests?.elicitation?.create !== undefined : requests?.sampling?.createMessage !== undefined;
}
