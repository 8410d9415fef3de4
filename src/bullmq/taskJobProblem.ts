/**
 * Why a job's data is no job the worker pool of tool `tool` added, or undefined when it is one. A
 * queue's jobs may come from anyone with the queue's Redis (another application sharing the
 * prefix, a hand-made job in a dashboard, an older version): such a job gets this as its failure
 * reason, where it used to complete as if run (a missing task id read as no task) or fail with a
 * TypeError about `taskId` of null. A job of another tool's queue is refused too: its work would
 * run outside its own tool's concurrency and rate limits.
 * @internal
 */
export function taskJobProblem(data: unknown, tool: string): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return `its data is ${describe(data)}, not an object`;
  const job = data as Record<string, unknown>;
  if (typeof job['taskId'] !== 'string' || job['taskId'] === '') return `its taskId is ${describe(job['taskId'])}, not a task id`;
  if (job['tool'] !== tool) return `its tool is ${describe(job['tool'])}, not this queue's ${JSON.stringify(tool)}`;
  if (typeof job['owner'] !== 'string') return `its owner is ${describe(job['owner'])}, not a string`;
  if (typeof job['restartable'] !== 'boolean') return `its restartable is ${describe(job['restartable'])}, not a boolean`;
  const optional: [string, (value: unknown) => boolean, string][] = [
    ['front', (value) => typeof value === 'string', 'a string'],
    ['deadline', (value) => typeof value === 'number', 'a number'],
    ['progressToken', (value) => typeof value === 'string' || typeof value === 'number', 'a string or a number'],
    ['clientCapabilities', (value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'an object'],
  ];
  for (const [key, valid, what] of optional) {
    if (job[key] !== undefined && !valid(job[key])) return `its ${key} is ${describe(job[key])}, not ${what}`;
  }
  return undefined;
}

/**
 * The error a worker fails a job with whose data is no task job of the pool ({@link taskJobProblem}):
 * its message is the job's failed reason, for dashboards. The pool's `failed` handler knows it by
 * its class, so the job's data is not judged a second time there.
 * @internal
 */
export class BadTaskJob extends Error {
  constructor(tool: string, jobId: string | undefined, problem: string) {
    super(`mcp-task-actors: job ${jobId ?? '(no id)'} of the queue of tool ${tool} is no task job of this worker pool: ${problem}`);
  }
}

/** A value named briefly for a failure reason: its type, and a short string or number itself (never an object's content). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (value === undefined) return 'missing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
