/**
 * What McpHttpHost reads of a request before the SDK transport sees it: the request target (which
 * any peer writes, so no form of it may throw) and whether a stalled body may be cut off.
 */
import type { IncomingMessage } from 'node:http';

/**
 * Ends an initialize whose body has not all arrived, for `McpHttpHost.close()`: a client that
 * stalls mid-body would hold close() until Node's request timeout (5 minutes by default, none behind
 * some embedding servers), since the transport answers only once it has read the body and nothing
 * the host could write first would reach the client. The read fails; no session is opened.
 * @internal
 */
export function cutOffIfStalled(req: IncomingMessage): void {
  if (!req.complete) req.destroy();
}

/**
 * The request target's path, read as RFC 9112 reads it: an origin-form target (`/…`) is a path, so
 * `//` is the path `//` (`new URL('//', base)` throws, a 500 any peer could ask for) and `//x/mcp`
 * is not `/mcp` on host `x`; an absolute-form one (`http://host/…`) is a URL. Anything else (`*`,
 * authority-form) names no path here: undefined.
 * @internal
 */
export function pathOf(req: IncomingMessage): string | undefined {
  const target = req.url ?? '/';
  try {
    if (target.startsWith('/')) return new URL(`http://localhost${target}`).pathname;
    if (/^https?:\/\//i.test(target)) return new URL(target).pathname;
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
