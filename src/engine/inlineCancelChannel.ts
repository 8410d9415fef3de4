import type { ClientChannel } from './ClientTasks.js';
import type { StreamChange } from './streamGap.js';

/**
 * Where an inline follow's `tasks/cancel` goes: the call's own stream while the call is open, else
 * the session's (the SDK refuses to send on a cancelled call's stream). On the session's it waits
 * for the standalone stream as a task's follow does (cancelClientTask.ts): the session's `canSend`
 * and `onReachable` are asked only once the call is over, as the call's stream needs no GET, and a
 * GET stream's drop does not lose what went on it.
 * @internal
 */
export function inlineCancelChannel(session: ClientChannel, stream: Pick<ClientChannel, 'request'>, isOver: () => boolean): ClientChannel {
  const { canSend, onReachable } = session;
  return {
    request: (r, s, o) => (isOver() ? session.request(r, s, o) : stream.request(r, s, o)),
    ...(canSend ? { canSend: () => !isOver() || canSend.call(session) } : {}),
    ...(onReachable
      ? {
          onReachable: (listener: (change: StreamChange) => void) =>
            onReachable.call(session, (change) => {
              if (change !== 'dropped' || isOver()) listener(change);
            }),
        }
      : {}),
  };
}
