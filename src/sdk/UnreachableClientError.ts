import { MissingClientCapabilityError } from '../engine/TaskContext.js';

/** The capability a request to the client needs, as `MissingClientCapabilityError` names it. */
const CAPABILITY_OF: Readonly<Record<string, string>> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};

/**
 * Thrown when a request to the client made within a call (an inline tool's `elicit`/`createMessage`,
 * or a handler's `sendRequest`) has no way to reach the client or no way for its answer to come
 * back, on a connection that nonetheless declared the capability: Streamable HTTP in JSON-response
 * mode with no GET stream open, or stateless serving. A `MissingClientCapabilityError`, so work
 * that falls back when the client cannot be asked does so here too, at once (the SDK dropped the
 * request without an error and the call waited for its request timeout, 60 s by default).
 */
export class UnreachableClientError extends MissingClientCapabilityError {
  constructor(
    readonly method: string,
    reason: string,
  ) {
    super(CAPABILITY_OF[method] ?? method);
    this.name = 'UnreachableClientError';
    this.message = `${method} cannot reach the client within this call: ${reason}`;
  }
}
