import { describe, expect, it } from 'vitest';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { isSessionless } from '../../src/sdk/guardRelatedSends.js';

// ConnectionPort.sessionless (ServerHost.ts): "no GET stream can ever open" holds only for a
// Streamable HTTP transport serving without sessions. It was true of every transport that is not
// web-standard (in-memory, stdio), which serve one session for their whole life.
describe('isSessionless', () => {
  it('is true only of a Streamable HTTP transport without session ids, on either SDK line', () => {
    expect(isSessionless(new StreamableHTTPServerTransport({ sessionIdGenerator: undefined }))).toBe(true);
    expect(isSessionless(new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined }))).toBe(true);
    expect(isSessionless(new StreamableHTTPServerTransport({ sessionIdGenerator: () => 's' }))).toBe(false);
    expect(isSessionless(new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => 's' }))).toBe(false);
  });

  it('is false of transports with no HTTP underneath', () => {
    const [, server] = InMemoryTransport.createLinkedPair();
    expect(isSessionless(server)).toBe(false);
    expect(isSessionless(new StdioServerTransport())).toBe(false);
  });
});
