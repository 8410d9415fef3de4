import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
interface Manifest {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const installed = (name: string): string =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** The packages an entry point loads at run time: `import … from`, not `import type`, followed through src/ and machines/. */
function runtimePackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^\s*(import|export)(?!\s+type\b)[^'";]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
      const spec = match[2] ?? match[3]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(join(root, entry));
  return packages;
}

describe('package.json: what a user installs', () => {
  it('ioredis is an optional peer (only mcp-task-actors/redis needs it), kept as a devDependency for the tests', () => {
    expect(manifest.dependencies['ioredis']).toBeUndefined();
    // Both majors: 6 is what `npm install ioredis` gives since July 2026 (and what BullMQ 6 develops on).
    expect(manifest.peerDependencies['ioredis']).toBe('^5.9.2 || ^6.0.0');
    expect(manifest.peerDependenciesMeta['ioredis']?.optional).toBe(true);
    // The tests run on the newest major, and the backend's own tests again on the range's lowest.
    expect(manifest.devDependencies['ioredis']).toBe('^6.1.0');
    expect(installed('ioredis').split('.')[0]).toBe('6');
    expect(runtimePackages('src/index.ts')).not.toContain('ioredis');
    expect(runtimePackages('src/redis/index.ts')).toContain('ioredis');
  });

  it("the range's lowest ioredis is installed beside it (npm alias) for the redis-ioredis-lowest test project", () => {
    const floor = manifest.peerDependencies['ioredis']!.split(' || ')[0]!.replace(/^\^/, '');
    expect(manifest.devDependencies['ioredis-lowest']).toBe(`npm:ioredis@${floor}`);
    expect(installed('ioredis-lowest')).toBe(floor);
  });

  it('@modelcontextprotocol/sdk is a required peer with the tested range, and the installed SDK is in it', () => {
    expect(manifest.dependencies['@modelcontextprotocol/sdk']).toBeUndefined();
    expect(manifest.peerDependencies['@modelcontextprotocol/sdk']).toBe('^1.27.0');
    // Not optional: src/wire.ts loads v1's schemas whichever SDK line the server uses.
    expect(manifest.peerDependenciesMeta['@modelcontextprotocol/sdk']?.optional).not.toBe(true);
    expect(manifest.devDependencies['@modelcontextprotocol/sdk']).toBe('^1.32.2');
    const [major, minor, patch] = installed('@modelcontextprotocol/sdk').split('.').map(Number) as [number, number, number];
    expect(major === 1 && (minor > 32 || (minor === 32 && patch >= 2))).toBe(true);
  });

  it("the range's lowest SDK v1 is installed beside it (npm alias) for the sdk-v1-lowest test project", () => {
    const floor = manifest.peerDependencies['@modelcontextprotocol/sdk']!.replace(/^\^/, '');
    expect(manifest.devDependencies['sdk-v1-lowest']).toBe(`npm:@modelcontextprotocol/sdk@${floor}`);
    expect(installed('sdk-v1-lowest')).toBe(floor);
  });

  it('the main entry loads at run time only dependencies and peers; every optional peer it loads is an SDK v2 package', () => {
    for (const name of runtimePackages('src/index.ts')) {
      const declared = manifest.dependencies[name] ?? manifest.peerDependencies[name];
      expect(declared, `${name} is loaded by the main entry`).toBeDefined();
      if (manifest.peerDependenciesMeta[name]?.optional) expect(name).toMatch(/^@modelcontextprotocol\/(server|core|client)$/);
    }
  });
});

describe('@modelcontextprotocol/ext-tasks: used by the tests only (docs/protocols.md, "Official schemas")', () => {
  it('is a devDependency, and no entry point (main, client, redis, inspect, machines) loads it at run time', () => {
    expect(manifest.devDependencies['@modelcontextprotocol/ext-tasks']).toBeDefined();
    expect(manifest.dependencies['@modelcontextprotocol/ext-tasks']).toBeUndefined();
    expect(manifest.peerDependencies['@modelcontextprotocol/ext-tasks']).toBeUndefined();
    for (const entry of ['src/index.ts', 'src/client/index.ts', 'src/redis/index.ts', 'src/inspect/index.ts', 'machines/index.ts']) {
      expect(runtimePackages(entry), entry).not.toContain('@modelcontextprotocol/ext-tasks');
    }
  });
});

describe("the README's Dependencies section", () => {
  it('states each peer range as package.json does, and why the v1 SDK is not optional', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = /### Dependencies\n([\s\S]*?)\n#/.exec(readme)?.[1] ?? '';
    expect(section).toContain(`\`@modelcontextprotocol/sdk\` \`${manifest.peerDependencies['@modelcontextprotocol/sdk']}\`: **required**`);
    expect(section).toContain('src/wire.ts');
    expect(section).toContain(`\`ioredis\` \`${manifest.peerDependencies['ioredis']}\`: optional`);
    expect(section).toContain(`\`${manifest.peerDependencies['@modelcontextprotocol/server']}\`: optional`);
  });
});
