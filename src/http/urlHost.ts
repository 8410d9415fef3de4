/**
 * A host as a URL's authority writes it: an IPv6 address in brackets (RFC 3986), anything else as
 * given. `http://::1:3000/mcp` is no URL a client can use (`new URL` throws on it).
 * @internal
 */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
