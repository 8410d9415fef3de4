import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TaskSupport } from '../TaskSupport.js';
import { pathOf } from '../http/requestTarget.js';
import { NO_OPERATOR_ACCESS, queryOf } from './operator.js';
import type { OperatorAccess } from './operator.js';

/**
 * `GET /health`: liveness (`{ ok: true }`) for anyone. To the operator (see `OperatorOptions`) also
 * the number of task actors this instance runs, and with `?task=<id>` whether it runs that task's
 * actor. Anyone else gets `{ ok: true }` whatever they ask: telling
 * a stranger whether an id runs here would tell them that it exists.
 */
export function healthRoute(
  tasks: TaskSupport,
  req: IncomingMessage,
  res: ServerResponse,
  access: OperatorAccess = NO_OPERATOR_ACCESS,
): boolean {
  // pathOf never throws: `new URL('//', base)` did, on a request line any peer can send (a 500 and a stack per request).
  if (req.method !== 'GET' || pathOf(req) !== '/health') return false;
  const body: Record<string, unknown> = { ok: true };
  if (access.granted) {
    body['liveTaskActors'] = tasks.liveTaskActors;
    const taskId = queryOf(req).get('task');
    if (taskId) body['running'] = tasks.taskActor(taskId) !== undefined;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return true;
}
