import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { InMemoryTaskMessageQueue as SdkQueue, InMemoryTaskStore as SdkStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTaskOutbox, InMemoryTaskRecordStore, InMemoryTaskStore, TaskSupport } from '../../src/index.js';
import type { TaskOutbox, TaskRecordStore, TaskStore, TaskSupportOptions } from '../../src/index.js';
import { createTask, taskResult } from '../support/harness.js';
import * as sdkSide from './migrating.sdk.js';
import * as ourSide from './migrating.ours.js';

/*
 * docs/migrating.md's two programs are these companion files, which `npm run typecheck` compiles:
 * the doc must show them exactly (our import spelled as a user writes it), and both must serve the
 * same countdown to the SDK's client.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(`${root}docs/migrating.md`, 'utf8');
const blockAfter = (heading: string): string => new RegExp(`${heading}[\\s\\S]*?\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(doc)![1]!;
const companion = (name: string): string => readFileSync(`${root}test/docs/${name}`, 'utf8');

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function connect(server: McpServer): Promise<Client> {
  const client = new Client({ name: 'c', version: '1' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  open.push({ close: async () => (await client.close(), await server.close()) });
  return client;
}

describe('docs/migrating.md', () => {
  it('shows the two companion programs exactly', () => {
    expect(blockAfter('### With the SDK')).toBe(companion('migrating.sdk.ts'));
    expect(blockAfter('### With mcp-task-actors')).toBe(
      companion('migrating.ours.ts').replace("'../../src/index.js'", "'mcp-task-actors'"),
    );
  });

  it('both programs answer the same countdown as a task', async () => {
    open.push(ourSide.tasks);
    const results = [];
    for (const side of [sdkSide, ourSide]) {
      const client = await connect(side.createServer());
      const task = await createTask(client, 'countdown', { seconds: 1 });
      expect(task.status).toBe('working');
      results.push((await taskResult(client, task.taskId)).content);
    }
    expect(results[1]).toEqual([{ type: 'text', text: 'done' }]);
    expect(results[1]).toEqual(results[0]);
  });
});

describe("the SDK's store and queue beside this library's", () => {
  it('are refused by type and, when forced, at construction with a TypeError naming the fix', () => {
    // @ts-expect-error The SDK's TaskStore is not a TaskRecordStore (the TS2740 a migrating user meets, now under another name).
    const store: TaskRecordStore = new SdkStore();
    // @ts-expect-error Nor is its TaskMessageQueue a TaskOutbox.
    const queue: TaskOutbox = new SdkQueue();
    expect(() => new TaskSupport({ store } as TaskSupportOptions)).toThrow(/options\.store is the SDK's TaskStore.*docs\/migrating\.md/);
    expect(() => new TaskSupport({ queue } as TaskSupportOptions)).toThrow(/options\.queue is the SDK's TaskMessageQueue/);
  });

  it('the old names still work, as deprecated aliases of the new ones', async () => {
    const store: TaskStore = new InMemoryTaskStore();
    expect(store).toBeInstanceOf(InMemoryTaskRecordStore);
    const tasks = new TaskSupport({ store, queue: new InMemoryTaskOutbox() });
    expect(tasks.store).toBe(store);
    await tasks.close();
  });
});
