import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TaskSupport } from '../TaskSupport.js';

/**
 * `GET /health`: liveness plus the number of task actors this instance runs;
 * `?task=<id>` adds whether this instance runs that task's actor (its `systemId` is the task id).
 */
export function healthRoute(tasks: TaskSupport, req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/health') return false;
  const taskId = url.searchParams.get('task');
  const body: Record<string, unknown> = { ok: true, liveTaskActors: tasks.liveTaskActors };
  if (taskId) body['running'] = tasks.actor.system.get(taskId) !== undefined;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}
