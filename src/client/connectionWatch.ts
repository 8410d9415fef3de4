import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * What the extension client reads of an SDK client (v1 and v2 alike) to know its connection: the
 * public `transport`, set from `connect` until the connection closes.
 * @internal
 */
export interface ConnectionHolder {
  readonly transport?: { onclose?: (() => void) | undefined } | undefined;
}

/**
 * The error of a call whose client has no connection: it closed under the call (`client.close()`,
 * or the transport closed), or before the call started. -32000, the code the SDK gives a request
 * in flight when its connection closes; `data.taskId` names the task a call was following, which
 * may still run on the server (`waitForTask` resumes it on a new connection).
 * @internal
 */
export function connectionClosedError(taskId?: string): McpError {
  return taskId === undefined
    ? new McpError(ErrorCode.ConnectionClosed, 'Connection closed: the MCP client is not connected')
    : new McpError(
        ErrorCode.ConnectionClosed,
        `Connection closed while following task ${taskId}; it may still run on the server (resume it with waitForTask once connected)`,
        { taskId },
      );
}

/** The calls waiting on each connection, by transport: one `onclose` hook per transport, however many calls. */
const watchers = new WeakMap<object, Set<() => void>>();

/**
 * Calls `onClose` (once) when the client's current connection closes; returns what stops watching,
 * or `undefined` when the client has no connection now.
 *
 * It chains onto the transport's `onclose` rather than `client.onclose`: the application owns
 * `client.onclose` and may set it before or after this, while the transport's is the SDK's own hook
 * (set in `connect`, v1 and v2 alike), which runs first here, so the SDK has failed its requests in
 * flight by the time `onClose` runs; the watchers run even when that hook throws (an application's
 * `client.onclose` that throws stops the SDK's). The first close restores the transport's hook, so
 * a transport connected again is hooked afresh by the next call.
 * @internal
 */
export function watchConnection(client: ConnectionHolder, onClose: () => void): (() => void) | undefined {
  const transport = client.transport;
  if (!transport) return undefined;
  const calls = watchers.get(transport) ?? hook(transport);
  // A function of its own, so the same `onClose` given twice is still two watches.
  const watch = (): void => onClose();
  calls.add(watch);
  return () => void calls.delete(watch);
}

function hook(transport: NonNullable<ConnectionHolder['transport']>): Set<() => void> {
  const calls = new Set<() => void>();
  watchers.set(transport, calls);
  const previous = transport.onclose;
  const onclose = (): void => {
    if (transport.onclose === onclose) transport.onclose = previous;
    watchers.delete(transport);
    try {
      previous?.call(transport);
    } finally {
      const waiting = [...calls];
      calls.clear();
      for (const call of waiting) call();
    }
  };
  transport.onclose = onclose;
  return calls;
}
