/**
 * The body McpHttpHost hands a request's SDK transport, read and checked before any server is made:
 * a body refused (413, -32700, a batch too long, -32600) or cut off for stalling (bodyDeadline.ts)
 * costs no server, and an in-session one reaches the session only whole and well-formed.
 */
import type { IncomingMessage } from 'node:http';
import { hostReadsBody, readJsonBody, withinBatchLimit } from './requestBody.js';
import type { BodyRead } from './requestBody.js';
import { withValidEnvelope } from './jsonRpcEnvelope.js';

/**
 * The body a framework handed over: `parsedBody`, else a `req.body` a parser set, taken only once
 * the request's stream has been read. Express 4's body-parser sets `req.body = {}` on every request
 * whose type it does not parse, stream untouched: with only `express.urlencoded()` in front, a JSON
 * POST arrived as `{}` and was refused, a valid initialize included. Undefined: nobody read it.
 */
function handedOver(req: IncomingMessage, parsedBody: unknown): unknown {
  if (parsedBody !== undefined) return parsedBody;
  // `null` stays a body: a parser that is not strict gives it for the JSON text `null` (then -32600).
  return req.readableEnded ? (req as IncomingMessage & { body?: unknown }).body : undefined;
}

/**
 * The body of `req` as its transport is to be handed it (a framework's, or the host's own read of a
 * JSON POST under `limit` bytes), or its refusal, or `gone` (cut off: bodyDeadline.ts answered it,
 * or `McpHttpHost.close()` ended it). While the host reads it, `req` is in `reading`, where close()
 * cuts off a stalled body: without that an embedded host's close (no connections of its own to end)
 * left the socket to `requestBodyTimeoutMs`, or for ever with none.
 * @throws Error for a JSON POST whose stream something else read without handing its body over
 * (answered 500 and logged: a misconfigured embedding, not the client's doing). Waiting for that
 * stream's 'end', which had fired, held the request, and close(), for ever.
 * @internal
 */
export async function transportBody(
  req: IncomingMessage,
  parsedBody: unknown,
  limit: number,
  reading: Set<IncomingMessage>,
): Promise<BodyRead> {
  const given = handedOver(req, parsedBody);
  // Only a JSON POST's body is read or judged: a framework may set `req.body` ({}) on a GET or a POST of another type (415).
  if (!hostReadsBody(req)) return { value: given };
  if (given === undefined && req.readableEnded) {
    throw new Error(
      'McpHttpHost: the body of this POST was read before the host got it, and none was handed over: pass it to ' +
        'handle(req, res, body) or set req.body, or route the endpoint before the middleware that reads it',
    );
  }
  if (given !== undefined) return withValidEnvelope(withinBatchLimit({ value: given }));
  // No check of `closing` here: McpHttpHost.serve checks it with no await between that check and
  // this add, so close() has either refused the request already or will find it in `reading`. An
  // await put in between would let close() pass over a body read after it began, left uncut.
  reading.add(req);
  try {
    return withValidEnvelope(withinBatchLimit(await readJsonBody(req, limit)));
  } finally {
    reading.delete(req);
  }
}
