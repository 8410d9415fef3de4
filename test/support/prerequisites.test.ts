import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findChromium, skipWithout } from './prerequisites.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A directory holding empty executables of the given names. */
function binDir(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mta-bin-'));
  dirs.push(dir);
  for (const name of names) {
    writeFileSync(join(dir, name), '#!/bin/sh\n');
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('finding Chromium and redis-server for the tests that need them', () => {
  it('takes CHROMIUM_PATH first, then chromium, chromium-browser, google-chrome, google-chrome-stable on PATH', () => {
    const explicit = join(binDir('my-chrome'), 'my-chrome');
    const onPath = binDir('google-chrome-stable', 'chromium-browser');
    expect(findChromium({ CHROMIUM_PATH: explicit, PATH: onPath })).toBe(explicit);
    expect(findChromium({ PATH: onPath })).toBe(join(onPath, 'chromium-browser'));
    expect(findChromium({ PATH: binDir('google-chrome') })).toBe(join(dirs.at(-1)!, 'google-chrome'));
    expect(findChromium({ PATH: binDir('chromium.txt') })).toBeUndefined();
  });

  it('does not fall back to another browser when CHROMIUM_PATH names a missing file', () => {
    expect(findChromium({ CHROMIUM_PATH: '/nowhere/chromium', PATH: binDir('chromium') })).toBeUndefined();
  });

  it('skips with one line naming the fix when run locally without the prerequisite', () => {
    const lines: string[] = [];
    expect(skipWithout('redis-server', 'the redis project', { PATH: binDir() }, (line) => lines.push(line))).toBe(true);
    expect(lines).toEqual([
      'skipped: the redis project needs redis-server, not found here: put redis-server on PATH (Debian: apt-get install redis-server)',
    ]);
    expect(skipWithout('chromium', 'the page test', { PATH: binDir('chromium') }, (line) => lines.push(line))).toBe(false);
    expect(lines).toHaveLength(1);
  });

  it('fails instead of skipping under CI=true', () => {
    expect(() => skipWithout('chromium', 'the page test', { CI: 'true', PATH: binDir() }, () => {})).toThrow(
      /the page test needs chromium, not found here: set CHROMIUM_PATH .*CI=true/,
    );
  });
});

describe("the README's prerequisites", () => {
  it('name Node ≥ 20 as package.json does, redis-server, redis-cli, Chromium, CHROMIUM_PATH and CI=true', () => {
    const root = new URL('../../', import.meta.url);
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const engines = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } }).engines;
    expect(engines.node).toBe('>=20');
    const section = /### Prerequisites\n([\s\S]*?)\n#/.exec(readme)?.[1] ?? '';
    for (const word of ['Node ≥ 20', 'redis-server', 'redis-cli', 'Chromium', 'CHROMIUM_PATH', 'CI=true', '.ci/run']) {
      expect(section).toContain(word);
    }
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) expect(section).toContain(`\`${name}\``);
  });
});
