/**
 * The longest `statusMessage` the stores keep, in UTF-16 code units (JavaScript `length`), unless
 * told otherwise (`maxStatusMessageLength` of `InMemoryTaskRecordStore` and `createRedisTaskBackend`).
 *
 * Why a bound in the store: a tool may copy client input into `task.status(text)`, and a thrown
 * error's message becomes the failed task's status; what the store keeps, every `tasks/get`,
 * `tasks/list` page and status notification carries again. Why 4,096: a status is a line for a
 * person, and an error summary with a few validation issues stays whole (the full error is still
 * the task's outcome, for `tasks/result`); at most about 12 KiB of UTF-8 per record, so a default
 * `tasks/list` page of 10 stays far below a megabyte, where an unbounded 3 MB status made each page
 * 30 MB.
 */
export const DEFAULT_MAX_STATUS_MESSAGE_LENGTH = 4096;

/** What ends a status message that was cut: one code unit, so a cut message is at most the maximum. */
export const STATUS_MESSAGE_CUT_MARK = '…';

/**
 * Validates a `maxStatusMessageLength` option (`undefined`: the default; `Infinity`: no bound).
 * Throws a RangeError at construction for anything else than a whole number of at least 1, so a
 * typo cannot silently disable the bound.
 * @internal
 */
export function maxStatusMessageLengthOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_STATUS_MESSAGE_LENGTH;
  if (value === Infinity) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`maxStatusMessageLength must be a whole number of at least 1 (or Infinity), got ${String(value)}`);
  }
  return value;
}

/**
 * `message` when it has at most `max` code units; else its start followed by
 * {@link STATUS_MESSAGE_CUT_MARK}, `max` code units in all, never ending inside a surrogate pair
 * (a lone high surrogate is not valid UTF-8, and JSON encoders replace or reject it).
 * @internal
 */
export function cutStatusMessage(message: string, max: number): string;
export function cutStatusMessage(message: string | undefined, max: number): string | undefined;
export function cutStatusMessage(message: string | undefined, max: number): string | undefined {
  if (typeof message !== 'string' || message.length <= max) return message;
  let end = max - STATUS_MESSAGE_CUT_MARK.length;
  const last = message.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return message.slice(0, end) + STATUS_MESSAGE_CUT_MARK;
}
