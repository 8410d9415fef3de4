import type { ConnectionPort } from './ServerHost.js';

/**
 * What a closed connection still tells, holding nothing of its transport: its id, that it is
 * closed, and its standalone stream's losses (SessionRouter keeps this once the connection closed).
 * @internal
 */
export function closedConnection(connection: ConnectionPort): ConnectionPort {
  const { id, standalone } = connection;
  const send = (): Promise<void> => Promise.reject(new Error('Not connected'));
  // No stream opens or drops on a closed connection any more.
  const onChange = (): (() => void) => () => {};
  return standalone
    ? { id, closed: true, standalone: { open: false, losses: standalone.losses, onChange }, send }
    : { id, closed: true, send };
}
