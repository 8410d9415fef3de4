import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * Keeps a generated block of a document in step with what a test measured. The block sits between
 * `<!-- name:start -->` and `<!-- name:end -->`; figures a test computes are written there, never
 * by hand.
 *
 * - By default the block must equal `body`, or the test fails with a diff and the command that
 *   rewrites it.
 * - With `UPDATE_DOCS=1` in the environment the block is rewritten instead (only its inside: the
 *   rest of the file is left as it is).
 */
export function syncDocBlock(file: string, name: string, body: string, update = process.env['UPDATE_DOCS'] === '1'): void {
  const text = readFileSync(file, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} … ${end} block`);
  const inside = from + start.length;
  const written = text.slice(inside, to);
  const measured = `\n${body}\n`;
  if (written === measured) return;
  if (update) {
    writeFileSync(file, text.slice(0, inside) + measured + text.slice(to));
    return;
  }
  expect(written, `the "${name}" block of ${file} differs from what the test measured; rewrite it with UPDATE_DOCS=1`).toBe(measured);
}
