/**
 * ISO 8601 timestamps as records carry them (`createdAt`, `lastUpdatedAt`), made and read with
 * the last one remembered: records made in the same millisecond share one string, and a read of
 * the string just read costs a comparison (issue 14). Both directions give exactly what
 * `new Date(time).toISOString()` and `Date.parse` give.
 */

let madeTime = NaN;
let madeIso = '';

/**
 * `new Date(time).toISOString()`, made once per millisecond: records made in the same
 * millisecond (about 20 of them at 20,000 tasks/s) share one string, which each keeps for its
 * life (about 40 bytes per live task), and skip a Date and its formatting.
 * @internal
 */
export function isoString(time = Date.now()): string {
  if (time !== madeTime) {
    madeIso = new Date(time).toISOString();
    madeTime = time;
  }
  return madeIso;
}

let parsedIso = '';
let parsedTime = NaN;

/**
 * `Date.parse(iso)`, faster for the form `toISOString` writes (`YYYY-MM-DDTHH:mm:ss.sssZ`, what
 * every record's `createdAt` is): the last string is remembered (tasks created in the same
 * millisecond share theirs), and a new one is read digit by digit. Date.parse was about 0.5 µs a
 * call, and a cancel checks the ttl twice (issue 14). Any other form goes to Date.parse.
 * @internal
 */
export function isoTime(iso: string): number {
  if (iso === parsedIso) return parsedTime;
  const time = canonicalIsoTime(iso) ?? Date.parse(iso);
  parsedIso = iso;
  parsedTime = time;
  return time;
}

/** Positions of the separators of `YYYY-MM-DDTHH:mm:ss.sssZ` and the character at each. */
const SEPARATORS: readonly (readonly [number, number])[] = [
  [4, 0x2d],
  [7, 0x2d],
  [10, 0x54],
  [13, 0x3a],
  [16, 0x3a],
  [19, 0x2e],
  [23, 0x5a],
];

/** The time of a `YYYY-MM-DDTHH:mm:ss.sssZ` string with a valid date and time, else undefined. */
function canonicalIsoTime(iso: string): number | undefined {
  if (iso.length !== 24) return undefined;
  for (const [at, code] of SEPARATORS) if (iso.charCodeAt(at) !== code) return undefined;
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 7);
  const day = digits(iso, 8, 10);
  const hours = digits(iso, 11, 13);
  const minutes = digits(iso, 14, 16);
  const seconds = digits(iso, 17, 19);
  const ms = digits(iso, 20, 23);
  // Out of range (or not digits: NaN fails every comparison): left to Date.parse, which refuses it.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return undefined;
  if (!(hours <= 23 && minutes <= 59 && seconds <= 59 && ms >= 0)) return undefined;
  return (daysFromEpoch(year, month, day) * 86_400 + hours * 3_600 + minutes * 60 + seconds) * 1_000 + ms;
}

/** The decimal number in `text` from `from` to `to`, NaN if a character there is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to the date in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
