import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeBlockAfter, runDocProgram } from '../support/docProgram.js';
import type { DocProgram } from '../support/docProgram.js';
import { createTask, taskResult } from '../support/harness.js';
import { initializeBody, raw } from './rawHttp.js';

/* README.md's "Use it" program, run exactly as written (only its mcp-task-actors imports point at src/). */
let program: DocProgram;
beforeAll(async () => {
  program = await runDocProgram(codeBlockAfter('README.md', '## Use it'));
}, 30_000);
afterAll(async () => program?.dispose());

async function connect(answer: (message: string) => { action: 'accept'; content: { ok: boolean } } | { action: 'decline' }) {
  const client = new Client({ name: 'readme', version: '1' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, (request) => answer(request.params.message));
  await client.connect(new StreamableHTTPClientTransport(program.url));
  return client;
}

describe('README "Use it": the complete program', () => {
  it('runs deploy as a task that asks for approval over Streamable HTTP, and skips when declined', async () => {
    const asked: string[] = [];
    const client = await connect((message) => (asked.push(message), { action: 'accept', content: { ok: true } }));
    const declining = await connect(() => ({ action: 'decline' }));
    try {
      const task = await createTask(client, 'deploy', { env: 'staging' });
      await expect(taskResult(client, task.taskId)).resolves.toMatchObject({ content: [{ type: 'text', text: 'deployed to staging' }] });
      expect(asked).toEqual(['Deploy to staging?']);
      const skipped = await createTask(declining, 'deploy', { env: 'prod' });
      await expect(taskResult(declining, skipped.taskId)).resolves.toMatchObject({ content: [{ type: 'text', text: 'skipped' }] });
    } finally {
      await client.close();
      await declining.close();
    }
  });

  it('refuses a Host that is not loopback (403) and a body over 4 MB (413)', async () => {
    expect((await raw(program.url.href, 'POST', initializeBody, { host: 'evil.example' })).status).toBe(403);
    expect((await raw(program.url.href, 'POST', Buffer.alloc(5 * 1024 * 1024, 'a'))).status).toBe(413);
  });

  it('exits 0 on SIGTERM once the host and the tasks are closed', async () => {
    await expect(program.terminate()).resolves.toBe(0);
  });
});
