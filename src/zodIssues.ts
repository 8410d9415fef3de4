import type { z } from 'zod';

/**
 * Zod issues as one readable line, for every error message that reports a value a schema refused.
 * Its own module, importing nothing of the server, so the client subpath uses it too.
 */

/**
 * Whether `error` is what a failed zod parse throws (the SDKs reject a result their schema refuses
 * with it). By shape: the SDK's zod and ours may be different copies. @internal
 */
export function isZodError(error: unknown): error is z.ZodError {
  return typeof error === 'object' && error !== null && Array.isArray((error as { issues?: unknown }).issues);
}

/** What a failed parse threw, as one line: a ZodError's issues, else the error's message. @internal */
export function describeParseError(error: unknown): string {
  if (isZodError(error)) return describeZodError(error);
  return error instanceof Error ? error.message : String(error);
}

/** How many zod issues a message lists before it says how many more there are. */
const MAX_ISSUES = 5;

/**
 * A zod error as one readable line: `path: message` per issue, `; ` between them, e.g.
 * `env: Invalid option: expected one of "staging"|"prod"; n: Invalid input: expected number, received string`.
 * (A ZodError's own `message` is its issues as pretty-printed JSON; `z.prettifyError` spans lines.)
 * @internal
 */
export function describeZodError(error: z.ZodError): string {
  // One issue per path: a value that fails every branch of a union or intersection would
  // otherwise be listed once per branch.
  const byPath = new Map<string, string>();
  for (const issue of error.issues) {
    const path = issuePath(issue.path);
    if (!byPath.has(path)) byPath.set(path, path === '' ? issue.message : `${path}: ${issue.message}`);
  }
  const issues = [...byPath.values()].slice(0, MAX_ISSUES);
  const more = byPath.size - MAX_ISSUES;
  return more > 0 ? `${issues.join('; ')} (and ${more} more)` : issues.join('; ');
}

function issuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}
