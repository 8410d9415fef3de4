import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/isoTime.js';

// isPastTtl reads each record's `createdAt` with isoTime, not Date.parse (issue 14): it must give
// exactly what Date.parse gives, for the strings toISOString writes and for every other string.

describe('isoTime', () => {
  it('reads every toISOString string as Date.parse does, across years, leap days and the epoch', () => {
    const times = [0, -1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, Date.UTC(0, 0, 1) - 1, 253_402_300_799_999];
    for (let i = 0; i < 5_000; i++) times.push(Math.floor((Math.random() * 2 - 0.2) * 253_402_300_799_999 * 0.9));
    for (const time of times) {
      const iso = new Date(time).toISOString();
      expect([iso, isoTime(iso)]).toEqual([iso, Date.parse(iso)]);
    }
  });

  it('gives the same as Date.parse for strings of other forms, invalid dates and out-of-range fields', () => {
    const strings = [
      '2024-02-29T12:00:00.000Z',
      '2023-02-29T12:00:00.000Z',
      '2023-04-31T00:00:00.000Z',
      '2023-13-01T00:00:00.000Z',
      '2023-00-10T00:00:00.000Z',
      '2023-01-00T00:00:00.000Z',
      '2023-01-01T24:00:00.000Z',
      '2023-01-01T23:60:00.000Z',
      '2023-01-01T23:59:60.000Z',
      '2023-01-01T23:59:59.9999',
      '2023-01-01T23:59:59.999+',
      '2023-01-01 23:59:59.999Z',
      '2O23-01-01T23:59:59.999Z',
      '2023-01-01T23:59:59.99Z',
      '2023-01-01T23:59:59Z',
      '2023-01-01T23:59:59.000+02:00',
      '+012023-01-01T00:00:00.000Z',
      'Sun, 01 Jan 2023 00:00:00 GMT',
      '',
      'not a date at all, 24 ch',
    ];
    for (const iso of strings) expect([iso, isoTime(iso)]).toEqual([iso, Date.parse(iso)]);
  });

  it('answers a string it read last, and a different one after it, each with its own time', () => {
    const a = '2026-01-01T00:00:00.000Z';
    const b = '2026-01-01T00:00:00.001Z';
    expect([isoTime(a), isoTime(a), isoTime(b), isoTime(a)]).toEqual([Date.parse(a), Date.parse(a), Date.parse(b), Date.parse(a)]);
  });
});
