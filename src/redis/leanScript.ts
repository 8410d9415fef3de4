import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { Cluster, Redis } from 'ioredis';

/**
 * A Lua script called with its arguments as given: every script of this backend (issue 14).
 *
 * Why not `defineCommand`: every ioredis `Command` copies its arguments with `Array.prototype.flat`,
 * which costs about 170 ns an element on Node 20 (a plain copy costs under 1 ns). A group of eight
 * creates and settles carries about 130, so that copy alone took about 22 µs of this process's CPU
 * per call, 4 % of a Redis lifecycle at 16 in flight. Here the command is built empty and given
 * the finished argument array, so it is never copied.
 *
 * Loading follows ioredis's own `Script`: the first call on each socket sends `EVAL` with the
 * text (so a fresh connection, or a Redis that restarted empty, never answers `NOSCRIPT` and
 * nothing is sent twice out of order); later calls send `EVALSHA`. A `NOSCRIPT` that still comes
 * (`SCRIPT FLUSH` on a live connection) forgets every socket and sends the call again as `EVAL`.
 * KEYS get the client's `keyPrefix`, as ioredis gives it to its own scripts and commands. On a
 * Redis Cluster, ioredis routes the command by its first key and sends it again, the same object,
 * after a redirection: each node's socket gets the text first, as above.
 * @internal
 */
export class LeanScript {
  private readonly sha: string;
  /** Sockets this script was sent on as `EVAL` (a socket is ioredis's, one per connection). */
  private loaded = new WeakSet<object>();

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** Runs the script with `keys` as KEYS and `args` as ARGV; its reply as ioredis gives it (utf8). */
  call(redis: Redis | Cluster, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    return this.run(redis, keys.length, [...keys, ...args]);
  }

  /** {@link call} with KEYS and ARGV in one array, the first `numberOfKeys` of it KEYS. */
  run(redis: Redis | Cluster, numberOfKeys: number, keysThenArgs: readonly string[]): Promise<unknown> {
    const argv = [this.sha, String(numberOfKeys), ...keysThenArgs];
    const prefix = (redis.options as { keyPrefix?: string }).keyPrefix;
    if (prefix) for (let i = 2; i < 2 + numberOfKeys; i++) argv[i] = prefix + argv[i]!;
    return this.send(redis, argv).catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      this.loaded = new WeakSet();
      return this.send(redis, argv);
    });
  }

  private send(redis: Redis | Cluster, argv: string[]): Promise<unknown> {
    return redis.sendCommand(new ScriptCommand(this, argv)) as Promise<unknown>;
  }

  /** The command's name and first argument for `socket`: the text once per socket, then the hash. */
  nameFor(socket: object): ['eval' | 'evalsha', string] {
    if (this.loaded.has(socket)) return ['evalsha', this.sha];
    this.loaded.add(socket);
    return ['eval', this.lua];
  }
}

class ScriptCommand extends Command {
  constructor(
    private readonly script: LeanScript,
    argv: string[],
  ) {
    // Built with no arguments (nothing for `flat` to copy), then given the finished array: every
    // element is already a string, which is all `stringifyArguments` would have made sure of.
    super('evalsha', [], { replyEncoding: 'utf8' });
    this.args = argv;
  }

  override toWritable(socket: object): string | Buffer {
    const [name, first] = this.script.nameFor(socket);
    this.name = name;
    this.args[0] = first;
    return super.toWritable(socket);
  }
}

/** A script as {@link defineScripts} puts it on a client: its KEYS count and text. */
export interface ScriptDefinition {
  numberOfKeys: number;
  lua: string;
}

/**
 * Puts each script on `redis` as a method of its name taking KEYS then ARGV, sent as a
 * {@link LeanScript}: what `defineCommand` did, without its copy of the arguments. A name the
 * client already has is left as it is (defining twice is harmless). @internal
 */
export function defineScripts(redis: Redis | Cluster, scripts: Readonly<Record<string, ScriptDefinition>>): void {
  const methods = redis as unknown as Record<string, unknown>;
  for (const [name, { numberOfKeys, lua }] of Object.entries(scripts)) {
    if (name in methods) continue;
    const script = new LeanScript(lua);
    methods[name] = (...keysThenArgs: string[]) => script.run(redis, numberOfKeys, keysThenArgs);
  }
}
