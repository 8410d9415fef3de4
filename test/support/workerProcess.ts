import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** A demo worker (`npm start -- --role worker`) as its own process, so a test can `kill -9` it. */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no cleanup, like a crash. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `src/demo/main.ts --role worker` with `env` (REDIS_URL at least) and waits until it takes jobs. */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts', '--role', 'worker'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started = Date.now();
  while (!output.includes('worker ready')) {
    if (child.exitCode !== null) throw new Error(`worker exited: ${output}`);
    if (Date.now() - started > 45_000) throw new Error(`worker did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, output: () => output, crash: () => kill('SIGKILL'), stop: () => kill('SIGTERM') };
}
