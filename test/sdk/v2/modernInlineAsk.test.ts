/**
 * A 2026-07-28 `tools/call` of an `optional` task tool from a client that declared elicitation and
 * sampling but not the tasks extension runs inline (docs/protocols.md); v2 refuses any request to
 * the client in that era. The work's `elicit`/`createMessage` then rejected with v2's SdkError
 * ("Method 'elicitation/create' is not supported by the negotiated protocol version (wire era
 * 2026-07-28)"): no `MissingClientCapabilityError` for a work to fall back on, and no word of what
 * to do. Now an `UnreachableClientError` that says so. SDK v2's server (`createMcpHandler`) over
 * real HTTP, the request sent with v2's client transport.
 */
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { MissingClientCapabilityError, TaskSupport, UnreachableClientError } from '../../../src/index.js';
import type { TaskContext } from '../../../src/index.js';
import { rawModernRequest, statelessV2Server } from './harness.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Asks the client; with `catchIt`, answers with how the ask failed. */
async function ask({ kind, catchIt }: { kind: 'elicit' | 'sample'; catchIt: boolean }, task: TaskContext) {
  try {
    const answer =
      kind === 'elicit'
        ? await task.elicit({ message: 'Go?', requestedSchema: { type: 'object', properties: {} } })
        : await task.createMessage({ messages: [], maxTokens: 5 });
    return { content: [{ type: 'text' as const, text: JSON.stringify(answer) }] };
  } catch (error) {
    if (!catchIt) throw error;
    const caught = {
      name: (error as Error).name,
      missingCapability: error instanceof MissingClientCapabilityError,
      unreachable: error instanceof UnreachableClientError,
      message: (error as Error).message,
    };
    return { content: [{ type: 'text' as const, text: JSON.stringify(caught) }] };
  }
}

async function serve(): Promise<URL> {
  const tasks = TaskSupport.inMemory();
  const served = await statelessV2Server(tasks, (server) => {
    tasks.registerTool(
      server,
      'ask',
      { taskSupport: 'optional', inputSchema: { kind: z.enum(['elicit', 'sample']), catchIt: z.boolean() } },
      ask,
    );
  });
  cleanups.push(
    () => tasks.close(),
    () => served.close(),
  );
  return served.url;
}

const ASKER = { elicitation: { form: {} }, sampling: {} };
const reason =
  'cannot reach the client within this call: a 2026-07-28 call carries no request to the client (a task asks through the inputRequests of tasks/get); declare the io.modelcontextprotocol/tasks extension so that the tool runs as a task';

it.each([
  ['elicit', 'elicitation/create'],
  ['sample', 'sampling/createMessage'],
] as const)(
  'the inline %s fails with an UnreachableClientError (a MissingClientCapabilityError) saying what to do',
  async (kind, method) => {
    const url = await serve();
    const answer = await rawModernRequest(url, 'tools/call', { name: 'ask', arguments: { kind, catchIt: true } }, ASKER);
    const text = (answer.result?.['content'] as Array<{ text: string }>)[0]!.text;
    expect(JSON.parse(text)).toEqual({
      name: 'UnreachableClientError',
      missingCapability: true,
      unreachable: true,
      message: `${method} ${reason}`,
    });
  },
);

it('not caught, the call answers isError with that one line', async () => {
  const url = await serve();
  const answer = await rawModernRequest(url, 'tools/call', { name: 'ask', arguments: { kind: 'elicit', catchIt: false } }, ASKER);
  expect(answer.result).toMatchObject({ isError: true, content: [{ type: 'text', text: `elicitation/create ${reason}` }] });
});

it('a client that declared no elicitation still gets "did not declare" (guard: the 2026 request declares per request)', async () => {
  const url = await serve();
  const answer = await rawModernRequest(url, 'tools/call', { name: 'ask', arguments: { kind: 'elicit', catchIt: true } }, {});
  const text = (answer.result?.['content'] as Array<{ text: string }>)[0]!.text;
  expect(JSON.parse(text)).toMatchObject({
    name: 'MissingClientCapabilityError',
    message: "The client did not declare the 'elicitation' capability",
  });
});
