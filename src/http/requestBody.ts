/**
 * McpHttpHost reads a POST's JSON body itself, under `maxRequestBodySize`, and hands the SDK
 * transport the parsed value. The transport's own limit is not there on every SDK v1 of the peer
 * range: 1.27 read any body whole (`req.json()`), so a client could make the host buffer a body of
 * any size, and `maxRequestBodySize` was ignored.
 */
import type { IncomingMessage } from 'node:http';

/** `McpHttpHostOptions.maxRequestBodySize` when absent: the SDK's 4 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The limit `maxRequestBodySize` asks for (`Infinity`: none).
 * @throws RangeError for anything but a positive number: NaN, 0 or a negative value would refuse
 * every body or none, and newer SDKs threw it for every request (each answered 500).
 * @internal
 */
export function bodyLimitOf(bytes: number | undefined): number {
  if (bytes === undefined) return DEFAULT_MAX_BODY_BYTES;
  if (bytes > 0) return bytes;
  throw new RangeError(`maxRequestBodySize must be a positive number of bytes, or Infinity; got ${String(bytes)}`);
}

/** What reading a body came to: its bytes, too many of them, or nothing (the request is gone). @internal */
export type BodyBytes = { bytes: Buffer<ArrayBuffer> } | { tooLarge: true } | { gone: true };

/** What reading a JSON body came to: its value, a refusal to answer, or nothing (the request is gone). @internal */
export type BodyRead = { value: unknown } | { status: 400 | 413; code: number; message: string } | { gone: true };

/**
 * Whether the host reads this request's body: a POST whose Content-Type may be JSON. Every SDK checks
 * the type before it reads, so a body of another type is refused (415) unread.
 * @internal
 */
export function hostReadsBody(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.headers['content-type'] ?? '').toLowerCase().includes('application/json');
}

/**
 * Reads `req`'s body, refusing it (`tooLarge`) as soon as it passes `limit` bytes, or at once when
 * its Content-Length says it will. The rest is read and dropped, as Node drops a body nobody read,
 * so a refusal reaches the client: a socket closed with bytes unread sends a reset, which can reach
 * the client before the answer does (fetch saw EPIPE instead of a 413). How long that may take is
 * bounded by the body's deadline (bodyDeadline.ts). A request destroyed before its body ended (cut
 * off for stalling, its client gone) comes to `gone`. The caller makes sure nothing else read the
 * stream (transportBody.ts): its 'end' would have fired already, and this would wait for ever.
 * @internal
 */
export function readBodyBytes(req: IncomingMessage, limit: number): Promise<BodyBytes> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve({ tooLarge: true });
  // Gone already (its body's deadline ran, or its client left, during `authenticate`): its 'close' has fired.
  if (req.destroyed) return Promise.resolve({ gone: true });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (read: BodyBytes): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(read);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      chunks.push(chunk);
      if (size <= limit) return;
      settle({ tooLarge: true });
      // Dropped, not destroyed (see above).
      req.resume();
    };
    const onEnd = (): void => settle({ bytes: Buffer.concat(chunks) });
    // 'close' before 'end': the request was destroyed mid-body.
    const onClose = (): void => settle({ gone: true });
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    // A 'data' listener starts only a stream nobody paused: one a middleware paused (`readableFlowing`
    // false) stayed paused, its body unread, and with it all arrived neither the body's deadline nor
    // close() cut it off: the request hung.
    req.resume();
  });
}

/**
 * The most JSON-RPC messages one POST may carry: newer SDK v1 transports refuse a longer batch (400,
 * -32600), 1.27 (the peer range's lowest) takes any, each message handled at once.
 * @internal
 */
export const MAX_BATCH_SIZE = 100;

/**
 * A body (read here or by a framework) as the transport may be handed it: `read` itself, or the
 * SDK's refusal of a batch of more than {@link MAX_BATCH_SIZE} messages, whatever the SDK v1.
 * @internal
 */
export function withinBatchLimit(read: BodyRead): BodyRead {
  if (!('value' in read) || !Array.isArray(read.value) || read.value.length <= MAX_BATCH_SIZE) return read;
  return { status: 400, code: -32600, message: `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages` };
}

/** {@link readBodyBytes}, parsed as JSON; refusals as the SDK words them (413, 400 -32700). @internal */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const read = await readBodyBytes(req, limit);
  if ('gone' in read) return read;
  if ('tooLarge' in read) return { status: 413, code: -32000, message: `Payload Too Large: Request body must not exceed ${limit} bytes` };
  try {
    return { value: JSON.parse(read.bytes.toString('utf8')) as unknown };
  } catch {
    return { status: 400, code: -32700, message: 'Parse error: Invalid JSON' };
  }
}
