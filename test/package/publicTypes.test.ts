import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskSupport } from '../../src/index.js';
import type { TasksExtensionClient } from '../../src/client/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { types: string }>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** The optional peers an entry's own types may name: the packages it exists for (and loads at run time). */
const OWN_PEERS: Record<string, string[]> = {
  './inspect': ['@statelyai/inspect'],
  './redis': ['ioredis'],
  './bullmq': ['bullmq', 'ioredis'],
};

let out: string;

beforeAll(async () => {
  // The declarations of the build `npm pack` ships (prepack runs it), in a folder of their own.
  // `--noCheck`: the same files with the same imports (what this file reads), in under half the
  // time; only the type check is skipped, which CI's typecheck runs anyway (an inferred union may
  // list its members in another order).
  out = mkdtempSync(join(tmpdir(), 'mta-types-'));
  await promisify(execFile)(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(root, 'tsconfig.build.json'),
    '--emitDeclarationOnly',
    '--noCheck',
    '--outDir',
    out,
  ]);
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The packages named by the declaration files reachable from `entry` (a `.d.ts`), with the file that names each. */
function typePackages(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    // Comments out first: TSDoc examples name packages too (`import … from 'mcp-task-actors/client'`).
    const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const match of source.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)) {
      const spec = (match[1] ?? match[2])!;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.d.ts'));
        visit(existsSync(target) ? target : target.replace(/\.d\.ts$/, '/index.d.ts'));
      } else if (!spec.startsWith('node:')) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!packages.has(name)) packages.set(name, file.slice(out.length + 1));
      }
    }
  };
  visit(entry);
  return packages;
}

describe("the published types: what a user's compiler reads", () => {
  it('name no optional peer outside the entry that exists for it, so an SDK v1 server is typed without SDK v2 installed', () => {
    const entries = Object.entries(manifest.exports);
    expect(entries.length).toBeGreaterThanOrEqual(7);
    const wrong: string[] = [];
    for (const [entry, { types }] of entries) {
      const file = join(out, types.replace(/^\.\/dist\//, ''));
      expect(existsSync(file), file).toBe(true);
      for (const [name, namedIn] of typePackages(file)) {
        const declared = manifest.dependencies[name] ?? manifest.peerDependencies[name];
        if (declared === undefined) wrong.push(`${entry}: ${namedIn} names ${name}, which package.json does not declare`);
        // Without an optional peer, its types resolve to `any` (or fail the build with skipLibCheck
        // off): a v1 user's `registerTool('not a server', …)` would compile.
        else if (manifest.peerDependenciesMeta[name]?.optional && !(OWN_PEERS[entry] ?? []).includes(name)) {
          wrong.push(`${entry}: ${namedIn} names the optional peer ${name}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  // Compile-time checks too: `tsc -p .` (CI's typecheck) covers test/. SDK v2's own servers and
  // clients are taken by type in test/sdk/v2 (its harness, clientHelper.test.ts).
  it('take a server or client of either SDK line, and nothing else', async () => {
    const tasks = TaskSupport.inMemory();
    try {
      // @ts-expect-error not a server: with v2's types imported from the peer this compiled for a user on v1 alone
      expect(() => tasks.enable('not a server')).toThrow(/not a server of a supported SDK/);
    } finally {
      await tasks.close();
    }
    // @ts-expect-error not a client: no `request`
    const notAClient: ConstructorParameters<typeof TasksExtensionClient>[0] = { transport: undefined };
    expect(notAClient).toBeDefined();
  });
});
