/**
 * The SDK v2 demo refuses an over-long body with 413, and the client gets that 413. The refusal
 * went with `Connection: close` and the body left unread: the socket closed with bytes still
 * arriving sends a reset, which reached a fetch client before the answer (7 of 10 uploads of 5 MiB
 * failed with EPIPE instead of a 413). The rest of a refused body is now dropped as it comes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/demo/httpGuards.js';
import { startDemoProcess } from '../support/demoProcess.js';
import type { DemoProcess } from '../support/demoProcess.js';

// A process of its own, as `npm start -- --sdk v2` runs: with client and server in one process the
// reset never came first.
let demo: DemoProcess;

beforeAll(async () => {
  demo = await startDemoProcess({}, ['--sdk', 'v2']);
}, 60_000);
afterAll(async () => demo?.stop());

/** The status each of `times` fetch uploads of `body` got, or the error it failed with instead. */
async function uploads(body: Buffer | ReadableStream<Uint8Array>, times: number): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < times; i++) {
    try {
      const response = await fetch(demo.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body,
        duplex: 'half',
      } as RequestInit);
      const text = await response.text();
      outcomes.push(`${response.status} ${(JSON.parse(text) as { error: { message: string } }).error.message}`);
    } catch (error) {
      outcomes.push(`failed: ${String((error as Error & { cause?: unknown }).cause ?? error)}`);
    }
  }
  return outcomes;
}

describe('the SDK v2 demo: a body over the limit', () => {
  it('is answered 413 to every fetch upload that declares its length', async () => {
    const outcomes = await uploads(Buffer.alloc(MAX_BODY_BYTES + 1024 * 1024, 'a'), 10);
    expect(outcomes).toEqual(Array(10).fill(`413 Request body larger than ${MAX_BODY_BYTES} bytes`));
  });

  it('is answered 413 to a streamed (chunked) upload, which the connection then still serves', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(97);
    const stream = (): ReadableStream<Uint8Array> => {
      let sent = 0;
      return new ReadableStream({
        pull(controller) {
          sent += chunk.length;
          if (sent > MAX_BODY_BYTES * 2) controller.close();
          else controller.enqueue(chunk);
        },
      });
    };
    for (let i = 0; i < 3; i++) expect(await uploads(stream(), 1)).toEqual([`413 Request body larger than ${MAX_BODY_BYTES} bytes`]);
  });
});
