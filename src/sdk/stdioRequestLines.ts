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
 * client waiting forever. Notifications and lines that are no JSON stay dropped as before. Nothing
 * changes on a transport without such a reader (in memory, Streamable HTTP, which answers HTTP 400
 * itself). Applies to SDK v2's StdioServerTransport too (same members, pinned by
 * test/sdk/v2/unparseableRequest.test.ts).
 */
export function passRefusedRequestLines(transport: object): void {
  const reader = (transport as { _readBuffer?: unknown })._readBuffer;
  if (typeof reader !== 'object' || reader === null) return;
  const internals = reader as ReadBufferInternals;
  const read = internals.readMessage;
  if (typeof read !== 'function') return;
  internals.readMessage = function readMessage(this: ReadBufferInternals): unknown {
    const before = this._buffer;
    try {
      return read.call(this);
    } catch (error) {
      const request = Buffer.isBuffer(before) ? lastRequestLine(before, this._buffer) : undefined;
      if (request === undefined) throw error;
      return request;
    }
  };
}

/** The request in the last line taken off `before` (leaving `after`, its tail), if that line is a JSON object with a method and an id. */
function lastRequestLine(before: Buffer, after: Buffer | undefined): Record<string, unknown> | undefined {
  const taken = before.length - (after?.length ?? 0);
  // Only when the reader left a tail of the same memory (subarray): then exactly `taken` bytes were read.
  if (taken <= 0 || (after !== undefined && (after.buffer !== before.buffer || after.byteOffset !== before.byteOffset + taken))) {
    return undefined;
  }
  const lines = before.toString('utf8', 0, taken).replace(/\r?\n$/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(lines.slice(lines.lastIndexOf('\n') + 1));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { id, method } = parsed as Record<string, unknown>;
  return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number') ? (parsed as Record<string, unknown>) : undefined;
}
