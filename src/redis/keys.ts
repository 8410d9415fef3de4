/**
 * Redis key names of one deployment, all under one prefix.
 *
 * Keys carry Redis Cluster hash tags (the part in braces decides the slot), so the same layout
 * works on one Redis and on a cluster: every key of one task shares the tag `{<taskId>}`, so a
 * script or MULTI over a task's keys touches one slot; an owner's index and its sequence share
 * `{o:<owner>}`; the lease index is one key on its own slot. No script touches keys of two tags.
 * @internal
 */
export class RedisKeys {
  constructor(readonly prefix: string) {
    // A brace in the prefix would become the hash tag of every key: all tasks on one slot.
    if (/[{}]/.test(prefix)) throw new Error('The Redis key prefix must not contain { or }');
  }
  task(taskId: string): string {
    return `${this.prefix}{${taskId}}:task`;
  }
  outcome(taskId: string): string {
    return `${this.prefix}{${taskId}}:outcome`;
  }
  queue(taskId: string): string {
    return `${this.prefix}{${taskId}}:queue`;
  }
  open(taskId: string): string {
    return `${this.prefix}{${taskId}}:open`;
  }
  /**
   * Which instance holds each of the task's taken requests, and until when (InputHolds.ts): field
   * request id, value `<deadline ms>:<holder>`.
   */
  held(taskId: string): string {
    return `${this.prefix}{${taskId}}:held`;
  }
  /**
   * Answers forwarded to the task's runner that it has not taken yet (StoredAnswers.ts): field
   * request id, value `{"at":<stored, ms>,"id":<send id>,"answer":…}`. Expires with the task hash.
   */
  answers(taskId: string): string {
    return `${this.prefix}{${taskId}}:answers`;
  }
  /** Number of notifications in the task's queue (requests excluded), kept by the queue's scripts. */
  notificationCount(taskId: string): string {
    return `${this.prefix}{${taskId}}:qn`;
  }
  /**
   * A runner's receipt of one answer forwarded to it on a Redis Cluster (receipts.ts). Short-lived:
   * the sender deletes it on sight, an expiry drops the rest. Not in {@link allOfTask}: one per answer.
   */
  receipt(taskId: string, receiptId: string): string {
    return `${this.prefix}{${taskId}}:receipt:${receiptId}`;
  }
  /**
   * What one take of the task's queue took, kept a short while for a take sent again after its
   * reply was lost (scripts.ts `TAKE_ALL`). Not in {@link allOfTask}: one per take, they expire
   * (as {@link requeued}).
   */
  taken(taskId: string, takeId: string): string {
    return `${this.prefix}{${taskId}}:taken:${takeId}`;
  }
  /** Marks one enqueue of a task's message as done (scripts.ts `ENQUEUED_ONCE`); they expire. */
  enqueued(taskId: string, enqueueId: string): string {
    return `${this.prefix}{${taskId}}:enqueued:${enqueueId}`;
  }
  /** Marks one requeue of the task's messages as done (scripts.ts `REQUEUE`); they expire. */
  requeued(taskId: string, requeueId: string): string {
    return `${this.prefix}{${taskId}}:requeued:${requeueId}`;
  }
  /** Every key of one task (all on the task's slot). */
  allOfTask(taskId: string): string[] {
    return [
      this.task(taskId),
      this.outcome(taskId),
      this.queue(taskId),
      this.open(taskId),
      this.notificationCount(taskId),
      this.held(taskId),
      this.answers(taskId),
    ];
  }
  /** The owner's task ids, scored by the owner's sequence (the `tasks/list` order and cursor). */
  owner(owner: string): string {
    return `${this.prefix}{o:${owner}}:tasks`;
  }
  /** The owner's sequence, on the owner's slot so one script numbers and indexes a task. */
  ownerSeq(owner: string): string {
    return `${this.prefix}{o:${owner}}:seq`;
  }
  /** Task ids by lease deadline: only where to look; the deadline that counts is the task hash's. */
  get leases(): string {
    return `${this.prefix}{leases}`;
  }
  /** Shared live-task limits, all on one slot (one script admits against both limits). */
  get limitsLive(): string {
    return `${this.prefix}{limits}:live`;
  }
  get limitsOwners(): string {
    return `${this.prefix}{limits}:owners`;
  }
  get limitsCounts(): string {
    return `${this.prefix}{limits}:counts`;
  }
  /** Pub/sub: `t <taskId>` when a task settles or goes, `q <taskId>` when a message is queued. */
  get events(): string {
    return `${this.prefix}events`;
  }
  /** Pub/sub: commands for the tasks one instance runs. */
  instance(instanceId: string): string {
    return `${this.prefix}instance:${instanceId}`;
  }
}
