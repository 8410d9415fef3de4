import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The first ```ts block after `heading` in a document of the repository. */
export function codeBlockAfter(file: string, heading: string): string {
  const text = readFileSync(`${root}${file}`, 'utf8');
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`${file} has no heading ${heading}`);
  const match = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  if (!match) throw new Error(`${file} has no ts block after ${heading}`);
  return match[1]!;
}

/** A documented program running as a child process, and the URL it printed. */
export interface DocProgram {
  child: ChildProcess;
  url: URL;
  /** SIGTERM, then the exit code. */
  terminate(): Promise<number | null>;
  /** SIGKILL if still running, and the temporary file removed. */
  dispose(): Promise<void>;
}

/**
 * Runs a documented program exactly as written, but for its `mcp-task-actors[/x]` imports, which
 * point at src/ (test/.doc-*.ts, with tsx, PORT=0); resolves once it prints `MCP endpoint <url>`.
 */
export async function runDocProgram(block: string): Promise<DocProgram> {
  const file = `${root}test/.doc-${randomBytes(4).toString('hex')}.ts`;
  const source = block
    .replace(/from 'mcp-task-actors'/g, "from '../src/index.js'")
    .replace(/from 'mcp-task-actors\/(\w+)'/g, "from '../src/$1/index.js'");
  writeFileSync(file, source);
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let out = '';
  child.stderr!.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  try {
    const url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the program did not start:\n${out}`)), 15_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /MCP endpoint (http:\/\/\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(new URL(match[1]!));
        }
      });
      void exited.then((code) => reject(new Error(`the program exited (${code}):\n${out}`)));
    });
    return {
      child,
      url,
      terminate: async () => {
        child.kill('SIGTERM');
        return exited;
      },
      dispose: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
          await exited;
        }
        rmSync(file, { force: true });
      },
    };
  } catch (error) {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(file, { force: true });
    throw error;
  }
}
