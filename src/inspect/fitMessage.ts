/** Strings of a stand-in (ids, names, the machine definition) are kept up to this many characters. */
const KEPT_CHARS = 64 * 1024;
/** The envelope fields of an inspection message a stand-in keeps: what it was and whose. */
const ENVELOPE_KEYS = ['type', 'name', 'sessionId', 'rootId', 'parentId', 'sourceId', 'id', 'createdAt', '_version', 'definition'];

/**
 * `message` (one serialized inspection event) if it is at most `limit` bytes as UTF-8, else a
 * small stand-in for it. The relay closes a sender whose message is over its limit, and
 * `@statelyai/inspect`'s sender never dials again after a close, so one such event (a huge tool
 * result with `sanitize: false`, a huge status text even when sanitised) would end inspection
 * for good. The stand-in keeps the event's envelope (`type`, actor `sessionId`, `name`, ids,
 * `_version`, a machine `definition` of up to 64 K characters), the XState event's `type`, the
 * snapshot's `status` and state `value`, and says how large the event was: `tooLarge: { bytes,
 * limit }`, also as a note in place of the event's payload and the snapshot's context, where a
 * viewer looks. A stand-in is well under 1 MiB, whatever `message` was.
 * @internal
 */
export function fitMessage(message: string, limit: number): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most messages need no byte count at all.
  if (message.length * 3 <= limit) return message;
  const bytes = Buffer.byteLength(message);
  return bytes <= limit ? message : standIn(message, bytes, limit);
}

function standIn(message: string, bytes: number, limit: number): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    // Not JSON (the adapter only sends JSON): the stand-in says only how large it was.
  }
  const source = isRecord(parsed) ? parsed : {};
  const note = `[not shown: this inspection event was ${bytes} bytes, over the inspector relay's limit of ${limit}]`;
  const out: Record<string, unknown> = {};
  for (const key of ENVELOPE_KEYS) if (isSmall(source[key])) out[key] = source[key];
  const { event, snapshot } = source;
  if (isRecord(event)) out['event'] = { ...(isSmall(event['type']) ? { type: event['type'] } : {}), tooLarge: note };
  if (isRecord(snapshot)) {
    out['snapshot'] = {
      ...(isSmall(snapshot['status']) ? { status: snapshot['status'] } : {}),
      ...(isSmallJson(snapshot['value']) ? { value: snapshot['value'] } : {}),
      context: { tooLarge: note },
    };
  }
  out['tooLarge'] = { bytes, limit };
  return JSON.stringify(out);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSmall(value: unknown): boolean {
  if (typeof value === 'string') return value.length <= KEPT_CHARS;
  return value === null || typeof value === 'number' || typeof value === 'boolean';
}

/** A state value (`'working'`, `{ running: 'working' }`) as long as its JSON stays small. */
function isSmallJson(value: unknown): boolean {
  if (value === undefined) return false;
  return (JSON.stringify(value) ?? '').length <= KEPT_CHARS;
}
