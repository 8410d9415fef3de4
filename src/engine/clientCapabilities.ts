import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
} from '@modelcontextprotocol/sdk/types.js';
import { MissingClientCapabilityError } from './TaskContext.js';

/**
 * Throws unless the client declared what an elicitation in this mode needs. `inline`: the ask is an
 * inline call's (no task), which says what to do when the capabilities are unknown. @internal
 */
export function assertCanElicit(
  capabilities: ClientCapabilities | undefined,
  params: ElicitRequestFormParams | ElicitRequestURLParams,
  inline = false,
): void {
  if (capabilities === undefined) throw unknownCapabilities('elicitation', inline);
  const elicitation = capabilities.elicitation;
  if (!elicitation) throw new MissingClientCapabilityError('elicitation');
  if (params.mode === 'url') {
    if (!elicitation.url) throw new MissingClientCapabilityError('elicitation.url');
    return;
  }
  // An empty `elicitation: {}` predates modes and means form support.
  const declaresModes = elicitation.form !== undefined || elicitation.url !== undefined;
  if (declaresModes && !elicitation.form) throw new MissingClientCapabilityError('elicitation.form');
}

/** Throws unless the client declared sampling (with tools, when the request uses them); `inline` as for {@link assertCanElicit}. @internal */
export function assertCanSample(capabilities: ClientCapabilities | undefined, params: CreateMessageRequestParams, inline = false): void {
  if (capabilities === undefined) throw unknownCapabilities('sampling', inline);
  if (!capabilities.sampling) throw new MissingClientCapabilityError('sampling');
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

/**
 * The refusal when no capabilities are known at all: no `initialize` came on the connection of the
 * `tools/call`, which on a real SDK server means stateless Streamable HTTP (a server per request).
 * "did not declare" was true but misled: the client may well declare it, the server cannot know.
 * An inline ask could not get its answer back there anyway (it would be POSTed to another server,
 * sdk/guardRelatedSends.ts); a task's can, once the server says what to assume.
 */
function unknownCapabilities(capability: string, inline: boolean): MissingClientCapabilityError {
  const unknown = `The client's capabilities are unknown, so '${capability}' cannot be asked for: no initialize came on the connection of`;
  const stateless = 'stateless HTTP serving, where each request is a connection of its own';
  return new MissingClientCapabilityError(
    capability,
    inline
      ? `${unknown} this call (${stateless} and an answer could not come back to this call); call the tool as a task, on a server that sets statelessClientCapabilities`
      : `${unknown} this task's tools/call (${stateless}); set the server's statelessClientCapabilities to what its clients can do`,
  );
}
