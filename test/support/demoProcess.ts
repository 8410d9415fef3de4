import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { serverSdkLine } from './harness.js';

/** A demo server (`src/demo/main.ts`) running as its own process, so a test can `kill -9` it. */
export interface DemoProcess {
  url: string;
  base: string;
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no cleanup, like a crash. */
  crash(): Promise<void>;
  stop(): Promise<void>;
  liveTaskActors(): Promise<number>;
  /** Whether this process runs the task's actor right now. */
  runs(taskId: string): Promise<boolean>;
}

/**
 * Starts `src/demo/main.ts` with `env` and command-line `args` (as after `npm start --`) on a free
 * port; on the suite's SDK line (`MTA_SDK=v2` adds `--sdk v2` unless `args` names a line), so one
 * demo-process test runs against `npm start` and `npm start -- --sdk v2`.
 */
export async function startDemoProcess(env: Record<string, string>, args: readonly string[] = []): Promise<DemoProcess> {
  const line = args.includes('--sdk') || serverSdkLine === 'v1' ? [] : ['--sdk', serverSdkLine];
  // PORT 0: the demo listens on a port the OS picks and prints it. A port found free here and handed
  // over was taken in between once (EADDRINUSE: on a busy machine, another test's connection got it).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts', ...args, ...line], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A start that fails or is given up on stops its process: left running, it outlived the test run.
  const base = await listeningBase(child, () => output, 'demo').catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  // The line asked for is the line started (the v2 demo names itself in its first line).
  if (line.length > 0 && !output.includes('(SDK v2;')) {
    child.kill('SIGKILL');
    throw new Error(`demo did not start on SDK v2: ${output}`);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `${base}/mcp`,
    base,
    child,
    output: () => output,
    crash: () => kill('SIGKILL'),
    stop: () => kill('SIGTERM'),
    liveTaskActors: async () => ((await (await fetch(`${base}/health`)).json()) as { liveTaskActors: number }).liveTaskActors,
    runs: async (taskId) =>
      ((await (await fetch(`${base}/health?task=${encodeURIComponent(taskId)}`)).json()) as { running: boolean }).running,
  };
}

/**
 * The `http://host:port` a child process prints in its "MCP endpoint <url>/mcp" line once it listens;
 * throws with its output when it exits first or prints nothing within 60 s. A bound on a hang, not
 * a timing check: a demo (tsx compiling the sources) usually starts in 1–2 s, and once took over
 * 20 s, printing nothing, in a full run with a CPU hog beside it (load 5 on 2 cores).
 */
export async function listeningBase(child: ChildProcess, output: () => string, what: string): Promise<string> {
  const started = Date.now();
  for (;;) {
    const url = /MCP endpoint (http:\/\/\S+)\/mcp/.exec(output())?.[1];
    if (url) return url;
    if (child.exitCode !== null) throw new Error(`${what} exited: ${output()}`);
    if (Date.now() - started > 60_000) throw new Error(`${what} did not start: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * An SDK client with a bearer token (the demo's principal) on a fresh session; `standalone: false`
 * refuses its standalone stream (the GET answers 405, as some proxies do), so the server cannot push.
 */
export async function bearerClient(url: string, token: string, capabilities = {}, options: { standalone?: boolean } = {}): Promise<Client> {
  const client = new Client({ name: 'bearer-client', version: '1' }, { capabilities });
  const noStandalone: typeof fetch = (input, init) =>
    init?.method === 'GET' ? Promise.resolve(new Response(null, { status: 405 })) : fetch(input, init);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
      ...(options.standalone === false ? { fetch: noStandalone } : {}),
    }),
  );
  return client;
}
