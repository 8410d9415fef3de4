/**
 * `npm start` as a person runs it, as its own process: a wrong flag or environment value, a taken
 * port or an unreachable Redis ends it with one line saying what and exit 1 (no stack trace, no
 * hang); SIGINT twice, or SIGINT then SIGTERM, still shut it down cleanly (exit 0); a reader of its
 * output that goes away does not end it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoProcess } from '../support/demoProcess.js';
import { skipWithout } from '../support/prerequisites.js';
import { freePort, startRedisServer } from '../support/redisServer.js';
import type { RedisServer } from '../support/redisServer.js';

/** A demo process; `stdout: 'closed'` destroys the reading end of its stdout at once. */
interface SpawnedDemo {
  child: ChildProcess;
  output(): string;
  /** Resolves when the process has exited and its pipes are drained. */
  closed: Promise<void>;
}

function spawnDemo(env: Record<string, string>, args: readonly string[], stdout: 'read' | 'closed' = 'read'): SpawnedDemo {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  if (stdout === 'closed') child.stdout!.destroy();
  else child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, output: () => output, closed };
}

/** Waits for the process to exit; a demo that serves instead (it printed its banner) or hangs is killed and reported. */
async function exitOf(demo: SpawnedDemo, withinMs = 20_000): Promise<{ code: number | null; output: string }> {
  let done = false;
  void demo.closed.then(() => (done = true));
  const started = Date.now();
  while (!done) {
    if (/MCP endpoint|worker ready/.test(demo.output()) || Date.now() - started > withinMs) {
      demo.child.kill('SIGKILL');
      await demo.closed;
      return { code: null, output: `(did not exit; killed) ${demo.output()}` };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { code: demo.child.exitCode, output: demo.output() };
}

async function badStart(env: Record<string, string>, args: readonly string[] = []): Promise<string> {
  const { code, output } = await exitOf(spawnDemo({ PORT: String(await freePort()), ...env }, args));
  expect(code, output).toBe(1);
  const lines = output.trim().split('\n');
  // One line, ours: no stack trace ("    at …") and no Node "Unhandled 'error' event" dump.
  expect(lines, output).toHaveLength(1);
  expect(lines[0]).toMatch(/^mcp-task-actors demo: /);
  return lines[0]!;
}

// A demo process starts in a few seconds on a loaded machine.
describe('npm start refuses a bad start with one line and exit 1', { timeout: 60_000 }, () => {
  let taken: Server;
  let takenPort: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
  });

  it('PORT that is not a port: abc, 70000', async () => {
    expect(await badStart({ PORT: 'abc' })).toContain('PORT must be a whole number from 0 to 65535, got "abc"');
    expect(await badStart({ PORT: '70000' })).toContain('got "70000"');
  });

  it('PORT=abc on SDK v2 too', async () => {
    expect(await badStart({ PORT: 'abc' }, ['--sdk', 'v2'])).toContain('PORT must be a whole number');
  });

  it('--inspect=notaport', async () => {
    expect(await badStart({}, ['--inspect=notaport'])).toContain('--inspect: bad port "notaport"');
  });

  it('an unknown flag is refused, not ignored', async () => {
    expect(await badStart({}, ['--bogus'])).toContain('unknown argument "--bogus"; usage: npm start --');
  });

  it('an unreachable REDIS_URL names it', async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    expect(await badStart({ REDIS_URL: nobody })).toContain(`cannot reach Redis at ${nobody}`);
  });

  it('a malformed REDIS_URL', async () => {
    expect(await badStart({ REDIS_URL: 'notaurl' })).toContain('REDIS_URL must be a redis:// or rediss:// URL');
  });

  it('a bad limit from the environment', async () => {
    expect(await badStart({ MTA_MAX_LIVE_TASKS: 'lots' })).toContain('MTA_MAX_LIVE_TASKS must be a whole number of at least 1, got "lots"');
  });

  it('a bad number from the environment is refused, not ignored: DEMO_SECOND_MS, MTA_LEASE_MS', async () => {
    expect(await badStart({ DEMO_SECOND_MS: 'abc' })).toContain('DEMO_SECOND_MS must be a whole number of at least 1, got "abc"');
    // Checked before Redis is dialled: the line names the variable, not the connection.
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    expect(await badStart({ MTA_LEASE_MS: '-5', REDIS_URL: nobody })).toContain(
      'MTA_LEASE_MS must be a whole number of at least 1, got "-5"',
    );
  });

  it('a port already taken, on SDK v1 and v2', async () => {
    const line = `cannot listen on 127.0.0.1:${takenPort}: listen EADDRINUSE`;
    expect(await badStart({ PORT: String(takenPort) })).toContain(line);
    expect(await badStart({ PORT: String(takenPort) }, ['--sdk', 'v2'])).toContain(line);
  });
});

const noRedis = skipWithout('redis-server', 'test/demo/demoCommandLine.test.ts (the worker settings)');

describe.skipIf(noRedis)('npm start -- --role worker refuses bad pool settings', { timeout: 60_000 }, () => {
  let redis: RedisServer;
  beforeAll(async () => void (redis = await startRedisServer()));
  afterAll(async () => redis?.dispose());

  it('MTA_LOCK_MS and MTA_GLOBAL_CONCURRENCY that are not numbers', async () => {
    expect(await badStart({ REDIS_URL: redis.url, MTA_LOCK_MS: 'long' }, ['--role', 'worker'])).toContain(
      'MTA_LOCK_MS must be a whole number of at least 1, got "long"',
    );
    expect(await badStart({ REDIS_URL: redis.url, MTA_GLOBAL_CONCURRENCY: 'countdown:two' }, ['--role', 'worker'])).toContain(
      'MTA_GLOBAL_CONCURRENCY must be tool:n,… (n at least 1), got "countdown:two"',
    );
  });
});

describe('npm start stops cleanly', { timeout: 60_000 }, () => {
  /** Starts tasks that run long, so the stop has work to do while the next signal arrives. */
  async function busy(url: string): Promise<Client> {
    const client = new Client({ name: 'signals', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    for (let i = 0; i < 20; i++) {
      const stream = client.experimental.tasks.callToolStream({ name: 'countdown', arguments: { seconds: 600 } }, undefined, { task: {} });
      await stream[Symbol.asyncIterator]().next();
    }
    return client;
  }

  it.each([
    ['SIGINT twice (Ctrl-C, Ctrl-C)', ['--sdk', 'v1'], ['SIGINT', 'SIGINT']],
    ['SIGINT then SIGTERM, on SDK v2', ['--sdk', 'v2'], ['SIGINT', 'SIGTERM']],
  ] as const)('%s: exit 0, not killed by the second signal', async (_name, args, signals) => {
    const demo = await startDemoProcess({}, args);
    const client = await busy(demo.url);
    try {
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        demo.child.once('exit', (code, signal) => resolve([code, signal])),
      );
      // The first signal starts the stop; the next ones follow every millisecond until the process
      // is gone, so some arrive while that stop is under way (it takes tens of ms with these tasks).
      demo.child.kill(signals[0]);
      for (let i = 1; demo.child.exitCode === null && demo.child.signalCode === null && i < 5_000; i++) {
        await new Promise((r) => setTimeout(r, 1));
        if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill(signals[i % signals.length]!);
      }
      expect(await exited, demo.output()).toEqual([0, null]);
    } finally {
      await client.close().catch(() => {});
      await demo.crash();
    }
  });

  it('stops when only the npm process is signalled (a supervisor stopping `npm start`)', async () => {
    const port = await freePort();
    // Its own process group, so that the cleanup below reaches the demo whatever happens to npm.
    const npm = spawn('npm', ['start', '--silent'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const health = (): Promise<boolean> =>
      fetch(`http://127.0.0.1:${port}/health`).then(
        (response) => response.ok,
        () => false,
      );
    try {
      const started = Date.now();
      while (!/MCP endpoint/.test(output) && npm.exitCode === null && Date.now() - started < 30_000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await health(), output).toBe(true);
      // npm passes the signal to its `sh -c`, which ends without passing it on.
      npm.kill('SIGTERM');
      const signalled = Date.now();
      let serving = true;
      while (serving && Date.now() - signalled < 15_000) {
        await new Promise((r) => setTimeout(r, 200));
        serving = await health();
      }
      expect(serving, output).toBe(false);
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // The group is gone already: nothing was left behind.
      }
    }
  });

  it('serves on when the reader of its output goes away (npm start | head -1)', async () => {
    const port = await freePort();
    const demo = spawnDemo({ PORT: String(port) }, [], 'closed');
    try {
      const started = Date.now();
      let healthy = false;
      while (!healthy && demo.child.exitCode === null && Date.now() - started < 20_000) {
        healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
          (response) => response.ok,
          () => false,
        );
        if (!healthy) await new Promise((r) => setTimeout(r, 100));
      }
      expect(healthy, demo.output()).toBe(true);
      const exited = new Promise<number | null>((resolve) => demo.child.once('exit', (code) => resolve(code)));
      demo.child.kill('SIGTERM');
      expect(await exited, demo.output()).toBe(0);
    } finally {
      if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    }
  });
});

describe("the demo's stop on signals (src/demo/lifecycle.ts)", { timeout: 30_000 }, () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'mta-stop-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A process whose stop is `stopBody`, stopped by SIGTERM once it is ready. */
  async function stopWith(stopBody: string): Promise<{ code: number | null; output: string }> {
    const script = join(dir, `stop${Math.random().toString(36).slice(2)}.mts`);
    const lifecycle = pathToFileURL(resolve('src/demo/lifecycle.ts')).href;
    writeFileSync(
      script,
      `const { stopOnSignals } = await import(${JSON.stringify(lifecycle)});\n` +
        `stopOnSignals(() => ${stopBody}, 300);\nconsole.log('ready');\nsetInterval(() => {}, 1000);\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    while (!output.includes('ready') && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    await closed;
    return { code: child.exitCode, output: output.replace('ready\n', '') };
  }

  it('a stop that never ends: exit 1 after the deadline, with one line', async () => {
    expect(await stopWith('new Promise(() => {})')).toEqual({
      code: 1,
      output: 'mcp-task-actors demo: stop did not finish within 300 ms; exiting anyway\n',
    });
  });

  it('a stop that fails: exit 1 with its message, no stack trace', async () => {
    expect(await stopWith("Promise.reject(new Error('mcp-task-actors: the store is gone'))")).toEqual({
      code: 1,
      output: 'mcp-task-actors demo: stop failed: the store is gone\n',
    });
  });
});
