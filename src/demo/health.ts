import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TaskSupport } from '../TaskSupport.js';

/** `GET /health`: liveness plus the number of task actors this instance runs. */
export function healthRoute(tasks: TaskSupport, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://localhost').pathname !== '/health') return false;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, liveTaskActors: tasks.liveTaskActors }));
  return true;
}
