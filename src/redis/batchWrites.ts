import type { Redis } from 'ioredis';

/**
 * What a client's joined write first sends, when it ends (the group commit's waiting steps), so
 * that they leave in that write instead of one more at the end of the turn. @internal
 */
export const beforeJoinedWrite = new WeakMap<Redis, () => void>();

/**
 * Joins the commands a connection to one Redis writes in one turn of the event loop, while it has
 * commands in flight, into one socket write: the socket is corked at the first of them and uncorked
 * when the turn ends (`setImmediate`, after the turn's replies and what they sent). A command sent
 * on an idle connection goes out at once, so one task at a time waits for nothing.
 *
 * Why not ioredis's `enableAutoPipelining`: it joins the writes too, but puts every command in a
 * pipeline object and keeps one pipeline in flight at a time, so one task at a time cost about a
 * quarter more CPU, and at 16 in flight it saved no more than this. A cork changes nothing but when
 * bytes leave: the order of the commands and each one's reply, error and retry stay ioredis's own
 * (docs/redis.md, "Numbers"). Corked until the next tick instead, the writes joined only 1.7
 * commands at 16 tasks in flight and cost more than they saved.
 * @internal
 */
export function batchWrites(client: Redis): void {
  const send = client.sendCommand;
  let corked: { uncork(): void } | undefined;
  const uncork = (): void => {
    // Commands still waiting to be sent in this turn join the write (groupCommit.ts).
    beforeJoinedWrite.get(client)?.();
    const stream = corked;
    corked = undefined;
    // A stream closed meanwhile takes its buffered commands with it; ioredis answers or resends
    // them as it does any command in flight when a connection drops.
    stream?.uncork();
  };
  client.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>): unknown {
    if (corked === undefined && client.commandQueue.length > 0 && client.status === 'ready') {
      const stream = client.stream as Partial<Pick<Redis['stream'], 'cork' | 'uncork'>> | undefined;
      if (typeof stream?.cork === 'function' && typeof stream.uncork === 'function') {
        stream.cork();
        corked = stream as { uncork(): void };
        setImmediate(uncork);
      }
    }
    return send.apply(this, args);
  };
}
