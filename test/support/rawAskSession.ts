import { request } from 'node:http';
import { raw } from '../http/rawHttp.js';

/** A JSON-RPC request's body. */
export const rpc = (id: number, method: string, params: unknown): string => JSON.stringify({ jsonrpc: '2.0', id, method, params });

/** An SSE response kept open; `text()` is what has arrived on it, `ended` resolves at its end. */
export interface Stream {
  text: () => string;
  ended: Promise<void>;
  close: () => void;
}

export function openStream(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const accept = method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream';
    const req = request(url, { method, headers: { accept, 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      const ended = new Promise<void>((end) => res.on('close', end));
      res.on('data', (chunk: Buffer) => void (text += chunk.toString()));
      res.on('error', () => undefined);
      resolve({ text: () => text, ended, close: () => req.destroy() });
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(body);
  });
}

/** A session opened on `url` with its GET stream open and a task of tool `ask` created (its work elicits). */
export interface RawAskSession {
  url: string;
  headers: Record<string, string>;
  get: Stream;
  taskId: string;
}

/**
 * Opens a raw session on the server at `url` (one task tool `ask` whose work elicits), declaring
 * `capabilities`, its standalone GET stream (closed by the function given to `cleanup`), and
 * creates one task.
 */
export async function openAskSession(
  url: string,
  cleanup: (close: () => Promise<unknown>) => void,
  capabilities: Record<string, unknown> = { elicitation: {} },
): Promise<RawAskSession> {
  const clientInfo = { name: 'raw', version: '1' };
  const init = await raw(url, 'POST', rpc(1, 'initialize', { protocolVersion: '2025-11-25', capabilities, clientInfo }));
  const headers = { 'mcp-session-id': init.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-11-25' };
  await raw(url, 'POST', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
  const get = await openStream(url, 'GET', headers);
  cleanup(async () => get.close());
  const created = await raw(url, 'POST', rpc(2, 'tools/call', { name: 'ask', arguments: {}, task: {} }), headers);
  const taskId = (JSON.parse(created.text.split('data: ')[1]!) as { result: { task: { taskId: string } } }).result.task.taskId;
  return { url, headers, get, taskId };
}
