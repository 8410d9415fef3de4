/**
 * What McpHttpHost reads of a request target before the SDK transport sees it (any peer writes the
 * target, so no form of it may throw). A stalled body is bodyDeadline.ts's.
 */
import type { IncomingMessage } from 'node:http';

/**
 * The request target's path, read as RFC 9112 reads it: an origin-form target (`/…`) is a path, so
 * `//` is the path `//` (`new URL('//', base)` throws, a 500 any peer could ask for) and `//x/mcp`
 * is not `/mcp` on host `x`; an absolute-form one (`http://host/…`) is a URL. Anything else (`*`,
 * authority-form) names no path here: undefined.
 * @internal
 */
export function pathOf(req: IncomingMessage): string | undefined {
  return targetUrl(req)?.pathname;
}

/**
 * The request target as a URL (its path and query), read as {@link pathOf} reads it; undefined
 * when it names no path.
 * @internal
 */
export function targetUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  try {
    if (target.startsWith('/')) return new URL(`http://localhost${target}`);
    if (/^https?:\/\//i.test(target)) return new URL(target);
  } catch {
    // Not a URL after all: no path of ours.
  }
  return undefined;
}

/**
 * Whether an absolute-form target names the host name the Host header does (other targets name none).
 * A server must take the target's host over the header's (RFC 9112, section 3.2.2) while the Host
 * check reads the header: `POST http://evil.example/mcp` with `Host: localhost` passed it.
 * @internal
 */
export function hostMatchesTarget(req: IncomingMessage): boolean {
  const target = req.url ?? '/';
  if (!/^https?:\/\//i.test(target)) return true;
  try {
    const url = new URL(target);
    // Host names only, as the Host check compares them (a port left out or given is no matter).
    return new URL(`${url.protocol}//${req.headers.host ?? ''}`).hostname === url.hostname;
  } catch {
    return false;
  }
}
