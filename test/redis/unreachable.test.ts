// createRedisTaskBackend when Redis cannot be reached: it rejects, and leaves nothing running. Before,
// its two ioredis clients went on reconnecting for ever behind the rejection (nobody held a handle
// to close them), so a program that caught it, to retry later or report and exit, never ended.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../../src/redis/index.ts', import.meta.url));

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('rejects and leaves no client reconnecting: a program that catches the rejection ends', async () => {
  const port = await closedPort();
  const program = `
    const { createRedisTaskBackend } = await import(${JSON.stringify(ENTRY)});
    try { await createRedisTaskBackend({ url: 'redis://127.0.0.1:${port}' }); console.log('resolved'); }
    catch (error) { console.log('rejected: ' + error.message); }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
  const code = await exited;
  clearTimeout(timer);
  expect(output).toMatch(/^rejected: /);
  // Killed at 8 s (code null) when the clients kept it alive.
  expect(code).toBe(0);
}, 15_000);
