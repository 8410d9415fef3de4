import { PassThrough } from 'node:stream';

/** Long enough for any answer over a pipe in process; an unanswered request is seen as `NO_ANSWER` instead of hanging the test. */
export const ANSWER_WAIT_MS = 1_500;
export const NO_ANSWER = 'no answer';

/** One JSON-RPC answer as read off the wire. */
export interface WireAnswer {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** The client end of a stdio link: JSON lines written to the server's stdin, answers read off its stdout by id. */
export interface StdioLines {
  /** The streams to give the SDK's StdioServerTransport (its stdin and stdout). */
  readonly stdin: PassThrough;
  readonly stdout: PassThrough;
  /** Writes one request line; its answer, or `NO_ANSWER` after {@link ANSWER_WAIT_MS}. */
  request(message: Record<string, unknown>): Promise<WireAnswer | typeof NO_ANSWER>;
  /** Writes one line without waiting for anything. */
  write(message: Record<string, unknown>): void;
  /** initialize (2025-11-25) and notifications/initialized, as a client opens a session. */
  open(): Promise<void>;
}

/** A stdio link over in-process pipes: the server side is the SDK's real stdio transport, the client side raw lines. */
export function stdioLines(): StdioLines {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const waiting = new Map<unknown, (answer: WireAnswer) => void>();
  let pending = '';
  stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n')) {
      const answer = JSON.parse(pending.slice(0, end)) as WireAnswer & { method?: string };
      pending = pending.slice(end + 1);
      if (answer.method === undefined) waiting.get(answer.id)?.(answer);
    }
  });
  const write = (message: Record<string, unknown>): void => void stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  const request = (message: Record<string, unknown>): Promise<WireAnswer | typeof NO_ANSWER> => {
    const answered = new Promise<WireAnswer>((resolve) => waiting.set(message['id'], resolve));
    write(message);
    const timeout = new Promise<typeof NO_ANSWER>((resolve) => setTimeout(() => resolve(NO_ANSWER), ANSWER_WAIT_MS).unref());
    return Promise.race([answered, timeout]);
  };
  return {
    stdin,
    stdout,
    request,
    write,
    async open() {
      const clientInfo = { name: 'stdio-lines', version: '1.0.0' };
      const answer = await request({
        id: 'init',
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo },
      });
      if (answer === NO_ANSWER || answer.error) throw new Error(`initialize failed: ${JSON.stringify(answer)}`);
      write({ method: 'notifications/initialized' });
    },
  };
}
