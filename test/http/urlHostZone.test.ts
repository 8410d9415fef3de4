/**
 * A printed URL of a host listening on a link-local IPv6 address carries the address's zone id
 * (`server.address()` answers `fe80::…%eth0`). In a URI the zone id follows `%25` (RFC 6874): a bare
 * `%` starts a percent-encoding, so `http://[fe80::1%eth0]:3000/mcp` was no URI; an RFC 6874 reader
 * (curl) takes `http://[fe80::1%25eth0]:3000/mcp`.
 */
import { describe, expect, it } from 'vitest';
import { urlHost } from '../../src/http/urlHost.js';
import { cannotListen } from '../../src/demo/lifecycle.js';

describe('urlHost', () => {
  it('writes an IPv6 zone id after %25, and the bracket content decodes back to the address', () => {
    expect(urlHost('fe80::1%eth0')).toBe('[fe80::1%25eth0]');
    expect(urlHost('fe80::fc:ff:fe00:1%2')).toBe('[fe80::fc:ff:fe00:1%252]');
    expect(decodeURIComponent(urlHost('fe80::1%eth0').slice(1, -1))).toBe('fe80::1%eth0');
    expect(urlHost('[fe80::1%eth0]')).toBe('[fe80::1%25eth0]');
    expect(urlHost('fe80::1%25')).toBe('[fe80::1%2525]');
    expect(cannotListen('fe80::1%eth0', 3000, new Error('listen EADDRNOTAVAIL')).message).toMatch(
      /^cannot listen on \[fe80::1%25eth0\]:3000: listen EADDRNOTAVAIL/,
    );
  });

  it('(guard) other hosts as before', () => {
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('[::1]')).toBe('[::1]');
    expect(urlHost('127.0.0.1')).toBe('127.0.0.1');
    expect(urlHost('localhost')).toBe('localhost');
  });
});
