import { InvalidCursorError } from './TaskStore.js';

const PREFIX = 'mta1:';

/** Encodes a list position as an opaque cursor. @internal */
export function encodeCursor(position: number): string {
  return Buffer.from(`${PREFIX}${position}`, 'utf8').toString('base64url');
}

/** Decodes a cursor from {@link encodeCursor}; throws `InvalidCursorError` for anything else. @internal */
export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const position = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(position) || position < 0 || encodeCursor(position) !== cursor) {
    throw new InvalidCursorError(cursor);
  }
  return position;
}
