import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TaskSupport } from '../TaskSupport.js';
import { pathOf } from '../http/requestTarget.js';
import { NO_OPERATOR_ACCESS, queryOf } from './operator.js';
import type { OperatorAccess } from './operator.js';

/**
 * `GET /health` (and `HEAD`, without the body): liveness (`{ ok: true }`) for anyone. To the
 * operator (see `OperatorOptions`) also the number of task actors this instance runs, and with
 * `?task=<id>` whether it runs that task's actor. Anyone else gets `{ ok: true }` whatever they
 * ask: telling a stranger whether an id runs here would tell them that it exists.
 */
export function healthRoute(
  tasks: TaskSupport,
  req: IncomingMessage,
  res: ServerResponse,
  access: OperatorAccess = NO_OPERATOR_ACCESS,
): boolean {
  // pathOf never throws: `new URL('//', base)` did, on a request line any peer can send (a 500 and a stack per request).
  // HEAD as GET without the body (RFC 9110): a probe that asks with HEAD got 404, as though no health route were there.
  if ((req.method !== 'GET' && req.method !== 'HEAD') || pathOf(req) !== '/health') return false;
  const body: Record<string, unknown> = { ok: true };
  if (access.granted) {
    body['liveTaskActors'] = tasks.liveTaskActors;
    const taskId = queryOf(req).get('task');
    if (taskId) body['running'] = tasks.taskActor(taskId) !== undefined;
  }
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
  return true;
}
