/** What identifies a channel's session: its status subscription (ClientTasks.ts `ClientChannel`). */
interface SessionChannel {
  onTaskStatus?: object;
}

/**
 * The client's task ids followed now, per session (keyed by its status subscription, which every
 * channel of a session shares): one id given to two requests had both follows take one
 * `tasks/result`, and a late CreateTaskResult naming a followed id had its `tasks/cancel` end
 * another request's task (SessionRouter.withdrawn).
 */
const followedIds = new WeakMap<object, Set<string>>();

const keyOf = (channel: SessionChannel): object => channel.onTaskStatus ?? channel;

/** The ids followed now on `channel`'s session; a follow adds its task's id while it follows it. @internal */
export function followedOn(channel: SessionChannel): Set<string> {
  const key = keyOf(channel);
  return followedIds.get(key) ?? followedIds.set(key, new Set()).get(key)!;
}

/** Whether a follow of `channel`'s session follows the client's task `taskId` now. @internal */
export function isFollowedClientTask(channel: SessionChannel, taskId: string): boolean {
  return followedIds.get(keyOf(channel))?.has(taskId) === true;
}
