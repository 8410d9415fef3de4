/** Redis key names of one deployment, all under one prefix. @internal */
export class RedisKeys {
  constructor(readonly prefix: string) {}
  task(taskId: string): string {
    return `${this.prefix}task:${taskId}`;
  }
  outcome(taskId: string): string {
    return `${this.prefix}outcome:${taskId}`;
  }
  owner(owner: string): string {
    return `${this.prefix}owner:${owner}`;
  }
  queue(taskId: string): string {
    return `${this.prefix}queue:${taskId}`;
  }
  open(taskId: string): string {
    return `${this.prefix}open:${taskId}`;
  }
  /** Number of notifications in the task's queue (requests excluded), kept by the queue's scripts. */
  notificationCount(taskId: string): string {
    return `${this.prefix}qn:${taskId}`;
  }
  get seq(): string {
    return `${this.prefix}seq`;
  }
  get leases(): string {
    return `${this.prefix}leases`;
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
