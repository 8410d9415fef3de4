import type { CallToolResult, ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskContext } from '../../src/index.js';
import { deferred } from './harness.js';
import { track } from './until.js';
import type { Tracked } from './until.js';

/** One thing a scripted work function does when told to. */
export type WorkCommand =
  | { kind: 'status'; message: string }
  | { kind: 'elicit'; key: string }
  | { kind: 'sample'; key: string }
  | { kind: 'return'; result: CallToolResult }
  | { kind: 'throw'; error: unknown };

/** How the work function ended. */
export type WorkEnd = { kind: 'returned' } | { kind: 'threw' } | { kind: 'aborted'; reason: unknown };

/** The elicitation message a scripted work sends for `key` (the client side finds the key in it). */
export function elicitationMessage(key: string): string {
  return `model-elicitation:${key}`;
}

/** The text of the (only) message a scripted work's sampling request sends for `key`. */
export function samplingText(key: string): string {
  return `model-sampling:${key}`;
}

/** The form a scripted work asks for. */
export const elicitationSchema: ElicitRequestFormParams['requestedSchema'] = {
  type: 'object',
  properties: { answer: { type: 'string' } },
  required: ['answer'],
};

/**
 * A tool's work function remote-controlled by the test: it does nothing on its own and performs
 * each command (`do`) through the real `TaskContext`, so every status update, elicitation, result
 * and throw of a task is chosen by the test and happens for real inside the server.
 */
export class ScriptedWork {
  /** Resolves with the task's context once the server started the work. */
  readonly started = deferred<TaskContext>();
  /** Resolves once the work function has returned, thrown or been aborted. */
  readonly ended = deferred<WorkEnd>();
  /** Each elicitation the work made, by key, with how it came back. */
  readonly elicitations = new Map<string, Tracked<ElicitResult>>();
  /** Each input request the work made (elicitation or sampling), by key, with how it came back. */
  readonly inputs = new Map<string, Tracked<unknown>>();
  private readonly inbox: { command: WorkCommand; ack: ReturnType<typeof deferred<void>> }[] = [];
  private wake: (() => void) | undefined;
  private finished = false;

  /** The work function to register (`tasks.registerTool(server, name, config, work.run)`). */
  readonly run = async (_args: unknown, task: TaskContext): Promise<CallToolResult> => {
    this.started.resolve(task);
    try {
      const result = await this.loop(task);
      this.ended.resolve({ kind: 'returned' });
      return result;
    } catch (error) {
      this.ended.resolve(task.signal.aborted ? { kind: 'aborted', reason: task.signal.reason } : { kind: 'threw' });
      throw error;
    } finally {
      this.finished = true;
      for (const { ack } of this.inbox.splice(0)) ack.reject(new Error('the work has ended'));
    }
  };

  /** Has the work perform `command`; resolves once done (a status is stored, an elicitation is sent off). */
  do(command: WorkCommand): Promise<void> {
    if (this.finished) return Promise.reject(new Error(`the work has ended; cannot ${command.kind}`));
    const ack = deferred<void>();
    this.inbox.push({ command, ack });
    this.wake?.();
    return ack.promise;
  }

  private async loop(task: TaskContext): Promise<CallToolResult> {
    for (;;) {
      const { command, ack } = await this.next(task.signal);
      switch (command.kind) {
        case 'status':
          try {
            await task.status(command.message);
            ack.resolve();
          } catch (error) {
            ack.reject(error);
            throw error;
          }
          break;
        case 'elicit': {
          const asked = track(task.elicit({ message: elicitationMessage(command.key), requestedSchema: elicitationSchema }));
          this.elicitations.set(command.key, asked);
          this.inputs.set(command.key, asked);
          ack.resolve();
          break;
        }
        case 'sample':
          this.inputs.set(
            command.key,
            track(
              task.createMessage({
                messages: [{ role: 'user', content: { type: 'text', text: samplingText(command.key) } }],
                maxTokens: 10,
              }),
            ),
          );
          ack.resolve();
          break;
        case 'return':
          ack.resolve();
          return command.result;
        case 'throw':
          ack.resolve();
          throw command.error;
      }
    }
  }

  /** The next command, or the abort reason as soon as the task's signal fires. */
  private next(signal: AbortSignal): Promise<(typeof this.inbox)[number]> {
    return new Promise((resolve, reject) => {
      const stop = (): void => {
        this.wake = undefined;
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        stop();
        reject(signal.reason);
      };
      const take = (): void => {
        const item = this.inbox.shift();
        if (!item) return;
        stop();
        resolve(item);
      };
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.wake = take;
      take();
    });
  }
}
