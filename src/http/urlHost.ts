/**
 * A host as a URL's authority writes it: an IPv6 address in brackets (RFC 3986), its zone id, if
 * any, after `%25` (RFC 6874: a bare `%` starts a percent-encoding, so `[fe80::1%eth0]` is no URI;
 * `curl` reads `[fe80::1%25eth0]`); anything else as given. `http://::1:3000/mcp` is no URL a client
 * can use (`new URL` throws on it).
 * @internal
 */
export function urlHost(host: string): string {
  if (!host.includes(':')) return host;
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  // Always encoded: `server.address()` gives the zone as is, and a zone may itself start with 25 (an index).
  return `[${bare.replace('%', '%25')}]`;
}

/**
 * The URL an HTTP server listening on `address` (as `server.address()` gives it) and `port` serves
 * `path` at, as McpHttpHost and the v2 demo print it.
 * @internal
 */
export function listenUrl(address: string, port: number, path: string): string {
  return `http://${urlHost(address)}:${port}${path}`;
}
