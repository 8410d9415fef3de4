/**
 * Which interfaces are loopback, and which `Host` names a server bound to one serves. A page on
 * another site can rebind its own name to a loopback address (DNS rebinding) and so reach a server
 * there; only a Host check tells its requests apart, and it must cover every loopback address, not
 * just the usual three: bound to 127.0.0.2 the host served any Host name, while the demo showed
 * its operator pages there without a token, as it does on any loopback interface.
 */
import { isIP } from 'node:net';

/** The names that reach a loopback listener (the SDK's `localhostHostValidation` list). */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Whether `host` is a loopback interface (`localhost`, 127.0.0.0/8, `::1`, `::ffff:127.x.x.x`): only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = unzoned(host);
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  // As a URL writes it: `0:0:0:0:0:0:0:1` is `[::1]`, `::ffff:127.0.0.1` is `[::ffff:7f00:1]`.
  if (isIP(bare) === 6) return /^\[(::1|::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4})\]$/.test(new URL(`http://[${bare}]`).hostname);
  return false;
}

/**
 * The Host names (no port; IPv6 in brackets, lower case) served by a server bound to `bindHost`:
 * on a loopback interface the usual loopback names and the interface's own address (as written and
 * as a URL writes it), elsewhere undefined (any: the operator put it on a network on purpose).
 * @internal
 */
export function loopbackHostNames(bindHost: string): readonly string[] | undefined {
  if (!isLoopbackHost(bindHost)) return undefined;
  const bare = unzoned(bindHost);
  const own = isIP(bare) === 6 ? [`[${bare}]`, new URL(`http://[${bare}]`).hostname] : [bare];
  return [...new Set([...LOOPBACK_NAMES, ...own.map((name) => name.toLowerCase())])];
}

/**
 * The address without its brackets and without an IPv6 zone id (`::1%lo` → `::1`): `new URL` throws
 * on a zone id, and a Host header names the address without one (RFC 6874: a zone is the client's
 * own choice of interface, not part of what the server is called).
 */
function unzoned(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // Judged without the zone: Node's isIP refuses zone names with characters Linux allows (`br_lan`).
  const zone = bare.indexOf('%');
  const address = zone > 0 ? bare.slice(0, zone) : bare;
  return zone > 0 && isIP(address) === 6 ? address : bare;
}
