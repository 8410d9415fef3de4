/**
 * An answer that is completed when it is sent rather than when its handler returns: a request
 * entry that sends the answer itself (SDK v1's DirectRequests) calls {@link answerAtSend} right
 * before the send. A task-augmented `tools/call` uses it so that its CreateTaskResult shows the
 * task's end when the work ended before the answer went out (an instant work's end is stored a
 * few microtasks after the handler returns, before the send). An entry that does not call it
 * sends the answer as the handler built it; the key is a symbol, so it never reaches the wire.
 */
const AT_SEND = Symbol('mcp-task-actors.answerAtSend');

type Answer = Record<string, unknown>;

/** `answer`, to be replaced by what `atSend` returns when it is sent. @internal */
export function withAnswerAtSend(answer: Answer, atSend: () => Answer): Answer {
  return Object.defineProperty(answer, AT_SEND, { value: atSend });
}

/** The answer to send now. @internal */
export function answerAtSend(answer: Answer): Answer {
  const atSend = (answer as { [AT_SEND]?: () => Answer })[AT_SEND];
  return atSend ? atSend() : answer;
}
