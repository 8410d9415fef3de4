/**
 * Pins what src/sdk/v2/internals.ts and adapter.ts assume of SDK v2 (2.4.x) beyond its public API,
 * so an SDK update that moves them fails here, by name, rather than somewhere in the protocol tests.
 */
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server as ServerV1 } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer, ProtocolError, Server } from '@modelcontextprotocol/server';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { adapterFor } from '../../../src/sdk/index.js';
import { sdkV1 } from '../../../src/sdk/v1/adapter.js';
import { sdkV2 } from '../../../src/sdk/v2/adapter.js';
import { installMcpServerToolHandlers, mcpServerHasTool, storedHandler } from '../../../src/sdk/v2/internals.js';

describe('SDK v2 internals the adapter relies on', () => {
  test('Server keeps its handlers in _requestHandlers; McpServer installs tools/* lazily through setToolRequestHandlers', () => {
    const mcp = new McpServer({ name: 't', version: '1' });
    expect(storedHandler(mcp.server, 'tools/call')).toBeUndefined();
    installMcpServerToolHandlers(mcp);
    expect(storedHandler(mcp.server, 'tools/call')).toBeTypeOf('function');
    expect(storedHandler(mcp.server, 'tools/list')).toBeTypeOf('function');
    // A second registerTool does not reinstall them (ours stay in place).
    mcp.registerTool('own', { inputSchema: { a: z.string() } }, async () => ({ content: [] }));
    expect(mcpServerHasTool(mcp, 'own')).toBe(true);
    expect(mcpServerHasTool(mcp, 'other')).toBe(false);
  });

  test('detection by shape tells v2 servers from v1 servers', () => {
    const v2 = new McpServer({ name: 't', version: '1' });
    expect(sdkV2.accepts(v2)).toBe(true);
    expect(sdkV2.accepts(new Server({ name: 't', version: '1' }))).toBe(true);
    expect(sdkV2.canonical(v2)).toBe(v2.server);
    expect(sdkV2.accepts(new McpServerV1({ name: 't', version: '1' }))).toBe(false);
    expect(sdkV2.accepts(new ServerV1({ name: 't', version: '1' }))).toBe(false);
  });

  test('the registry picks v2 for v2 servers although v1’s shape check also accepts a v2 Server (so v2 is tried first)', () => {
    const v2 = new McpServer({ name: 't', version: '1' });
    expect(sdkV1.accepts(v2.server)).toBe(true);
    expect(adapterFor(v2)).toBe(sdkV2);
    expect(adapterFor(v2.server)).toBe(sdkV2);
    expect(adapterFor(new McpServerV1({ name: 't', version: '1' }))).toBe(sdkV1);
  });

  test('errorShape reads ProtocolError', () => {
    expect(sdkV2.errorShape(new ProtocolError(-32021, 'missing', { x: 1 }))).toEqual({ code: -32021, message: 'missing', data: { x: 1 } });
    expect(sdkV2.errorShape(new Error('plain'))).toBeUndefined();
  });
});
