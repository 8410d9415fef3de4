/**
 * Both SDK lines' stdio transports read lines with the same `ReadBuffer` (`_readBuffer`,
 * `readMessage`, `_buffer`: an internal of each, pinned by test/sdk/v1/relatedTaskMeta.test.ts and
 * test/sdk/v2/unparseableRequest.test.ts), and drop a request line their schema refuses without an
 * answer. One implementation serves both lines.
 * @internal
 */

/** The stdio transport's line reader (`_readBuffer`, the same `ReadBuffer` shape on both SDK lines). */
interface ReadBufferInternals {
  _buffer?: Buffer | undefined;
  readMessage(): unknown;
}

/**
 * Makes a stdio transport's line reader hand over, as plain JSON, a request line the SDK's JSON-RPC
 * schema refuses (e.g. a related-task `_meta` that is no object), so that the connection's own
 * message wrapper answers it: both SDK lines' `ReadBuffer.readMessage` parse each line with that
 * schema and throw, and their stdio transports report the error and drop the line, leaving the
 * client waiting forever. A batch line (a JSON array, which 2025-03-26 clients may send and the
 * SDKs' Streamable HTTP transports serve) is handed over one message at a time, for the same reason.
 * Notifications and lines that are no JSON stay dropped as before. Nothing changes on a transport
 * without such a reader (in memory, Streamable HTTP, which answers HTTP 400 itself). Applies to SDK
 * v2's StdioServerTransport too (same members, pinned by test/sdk/v2/unparseableRequest.test.ts).
 */
export function passRefusedRequestLines(transport: object): void {
  const reader = (transport as { _readBuffer?: unknown })._readBuffer;
  if (typeof reader !== 'object' || reader === null) return;
  const internals = reader as ReadBufferInternals;
  const read = internals.readMessage;
  if (typeof read !== 'function') return;
  // The rest of a batch line, handed over before the next line is read.
  const batch: Record<string, unknown>[] = [];
  internals.readMessage = function readMessage(this: ReadBufferInternals): unknown {
    if (batch.length > 0) return batch.shift();
    const before = this._buffer;
    try {
      return read.call(this);
    } catch (error) {
      const parsed = Buffer.isBuffer(before) ? lastLine(before, this._buffer) : undefined;
      if (isRequest(parsed)) return parsed;
      if (!Array.isArray(parsed)) throw error;
      for (const message of parsed) if (typeof message === 'object' && message !== null && !Array.isArray(message)) batch.push(message);
      // An empty batch (or one of no objects) is no message: reported and dropped, as before.
      if (batch.length === 0) throw error;
      return batch.shift();
    }
  };
}

/** The last line taken off `before` (leaving `after`, its tail), parsed as JSON; undefined when it is none. */
function lastLine(before: Buffer, after: Buffer | undefined): unknown {
  const taken = before.length - (after?.length ?? 0);
  // Only when the reader left a tail of the same memory (subarray): then exactly `taken` bytes were read.
  if (taken <= 0 || (after !== undefined && (after.buffer !== before.buffer || after.byteOffset !== before.byteOffset + taken))) {
    return undefined;
  }
  const lines = before.toString('utf8', 0, taken).replace(/\r?\n$/, '');
  try {
    return JSON.parse(lines.slice(lines.lastIndexOf('\n') + 1)) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON object with a method and an id: a request, however malformed otherwise. */
function isRequest(parsed: unknown): parsed is Record<string, unknown> {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const { id, method } = parsed as Record<string, unknown>;
  return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number');
}
