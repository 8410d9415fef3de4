/**
 * The error a worker fails a job with whose data is no task job of the pool (see taskJobProblem),
 * logged once: the job's failed reason says it to dashboards, the line to the operator.
 * @internal
 */
export function badJob(logger: Pick<Console, 'error'>, tool: string, jobId: string | undefined, problem: string): Error {
  const error = new Error(
    `mcp-task-actors: job ${jobId ?? '(no id)'} of the queue of tool ${tool} is no task job of this worker pool: ${problem}`,
  );
  logger.error(error.message);
  return error;
}
