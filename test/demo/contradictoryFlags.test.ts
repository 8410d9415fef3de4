/**
 * Flags that contradict each other (`--live-view --no-live-view`, `--sdk v1 --sdk v2`, two
 * `--inspect` ports) were read silently: one of them won by where the code looked first. They are
 * refused now as any other bad flag is: one line naming both, exit 1, before anything starts.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/demo/config.js';

/** Runs the demo with `args` on a port the OS picks; resolves with its exit code and output (it must exit, not serve). */
async function demoExit(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts', ...args], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A demo that serves instead prints its banner: killed, so the test fails with its output and leaves no process.
  child.stdout.on('data', () => /MCP endpoint/.test(output) && child.kill('SIGKILL'));
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  return { code, output };
}

const contradictions: [string[], RegExp][] = [
  [['--live-view', '--no-live-view'], /^--live-view and --no-live-view contradict each other; give one\./],
  [['--no-live-view', '--stateless', '--live-view'], /^--live-view and --no-live-view contradict each other/],
  [['--sdk', 'v1', '--sdk', 'v2'], /^--sdk is given more than once with different values \(v1, v2\)/],
  [['--role', 'front', '--role', 'worker'], /^--role is given more than once with different values \(front, worker\)/],
  [['--inspect', '--inspect=9000'], /^--inspect is given more than once with different values \(--inspect, --inspect=9000\)/],
];

describe('contradictory demo flags', () => {
  it.each(contradictions)('%j is refused with one line naming both', (args, line) => {
    expect(() => demoConfig(args, {})).toThrow(line);
  });

  it('reads flags by position, as the demo does: a flag taken as a value is that value, and a flag with no value is named', () => {
    expect(() => demoConfig(['--live-view', '--role', '--no-live-view'], {})).toThrow(/^--role must be front, worker or both/);
    expect(() => demoConfig(['--sdk', 'v2', '--sdk'], {})).toThrow(/^--sdk needs a value; usage: /);
  });

  it('(guard) a flag given twice alike, or alone, is no contradiction', () => {
    expect(demoConfig(['--sdk', 'v2', '--sdk', 'v2'], {}).sdk).toBe('v2');
    expect(demoConfig(['--live-view', '--live-view'], {}).operator.enabled).toBe(true);
    expect(demoConfig(['--no-live-view'], {}).operator.enabled).toBe(false);
  });

  it('npm start -- --live-view --no-live-view ends with one line and exit 1, as other bad flags do', { timeout: 30_000 }, async () => {
    const { code, output } = await demoExit(['--live-view', '--no-live-view']);
    expect(code, output).toBe(1);
    expect(output.trim().split('\n'), output).toEqual([
      expect.stringMatching(/^mcp-task-actors demo: --live-view and --no-live-view contradict each other; give one\. usage: npm start -- /),
    ]);
  });
});
