import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
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
  // Projects run at once write blocks of one file (docs/testing.md: memory and redis rows): one at a time.
  if (update) withFileLock(file, () => syncBlock(file, name, body, true));
  else syncBlock(file, name, body, false);
}

function syncBlock(file: string, name: string, body: string, update: boolean): void {
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

/** Runs `write` holding `<file>.lock` (a directory: mkdir is atomic), waiting up to 10 s for another writer. */
function withFileLock(file: string, write: () => void): void {
  const lock = `${file}.lock`;
  const start = performance.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (performance.now() - start > 10_000) throw new Error(`${lock} has been held for 10 s; remove it if no test is writing`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    write();
  } finally {
    rmdirSync(lock);
  }
}
