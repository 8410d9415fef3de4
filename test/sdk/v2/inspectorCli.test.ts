/**
 * Interop with a client nobody here wrote: the official MCP Inspector CLI (`@modelcontextprotocol/inspector`
 * 2.12.0, a devDependency; it runs on Node 20 despite its `>=22.19` engine field) in the 2026-07-28 era
 * against `npm start -- --sdk v2` as its own process.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDemoProcess } from '../../support/demoProcess.js';
import type { DemoProcess } from '../../support/demoProcess.js';

const run = promisify(execFile);
const inspectorBin = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector/package.json')),
  'clients/launcher/build/index.js',
);

let demo: DemoProcess;
beforeAll(async () => {
  demo = await startDemoProcess({ DEMO_SECOND_MS: '20' }, ['--sdk', 'v2']);
}, 30_000);
afterAll(async () => {
  await demo?.stop();
});

/** One Inspector CLI call in the modern era; its stdout (and stderr), whatever its exit code. */
async function inspector(...args: string[]): Promise<string> {
  const argv = [inspectorBin, '--cli', demo.url, '--transport', 'http', '--protocol-era', 'modern', ...args];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, { timeout: 30_000 });
    return stdout + stderr;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return stdout + stderr;
  }
}

describe('the MCP Inspector CLI 2.12.0 against the v2 demo (2026-07-28)', () => {
  test('lists the four tools', async () => {
    const listed = JSON.parse(await inspector('--method', 'tools/list')) as { tools: { name: string }[] };
    expect(listed.tools.map((tool) => tool.name)).toEqual(['echo', 'countdown', 'approve', 'summarize']);
  });

  test('calls echo, and countdown inline', async () => {
    expect(JSON.parse(await inspector('--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=hi'))).toMatchObject({
      content: [{ type: 'text', text: 'hi' }],
      resultType: 'complete',
    });
    expect(JSON.parse(await inspector('--method', 'tools/call', '--tool-name', 'countdown', '--tool-arg', 'seconds=1'))).toMatchObject({
      content: [{ type: 'text', text: 'countdown finished after 1 s' }],
    });
  });

  test('follows the required approve tool as a task to its end (it declares the extension, not elicitation)', async () => {
    // Not -32021: the Inspector declares io.modelcontextprotocol/tasks on every request and polls
    // tasks/get; the work's elicit is refused, so the task completes with an isError result.
    const output = await inspector('--method', 'tools/call', '--tool-name', 'approve', '--tool-arg', 'action=deploy');
    expect(output).not.toContain('-32021');
    expect(output).toContain("The client did not declare the 'elicitation' capability");
    expect(output).toContain('"isError": true');
  });
});
