import { describe, expect, it, vi } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { currentRequestHandler, installMcpServerToolHandlers, mcpServerHasTool, requestEntry } from '../../../src/sdk/v1/internals.js';

// Pins what src/sdk/v1/internals.ts assumes of @modelcontextprotocol/sdk, so an SDK upgrade that
// breaks an assumption fails here by name rather than somewhere downstream.
describe('SDK internals this library relies on', () => {
  it('exposes McpServer tool registration and its handlers', () => {
    const server = new McpServer({ name: 's', version: '1' });
    expect(currentRequestHandler(server.server, 'tools/call')).toBeUndefined();
    installMcpServerToolHandlers(server);
    expect(typeof currentRequestHandler(server.server, 'tools/call')).toBe('function');
    expect(typeof currentRequestHandler(server.server, 'tools/list')).toBe('function');
    expect(mcpServerHasTool(server, 'x')).toBe(false);
    server.registerTool('x', { inputSchema: { a: z.string() } }, () => ({ content: [] }));
    expect(mcpServerHasTool(server, 'x')).toBe(true);
  });

  it("has a request entry that answers the request through the server's transport", async () => {
    const server = new McpServer({ name: 's', version: '1' });
    const entry = requestEntry(server.server);
    expect(entry).toBeTypeOf('function');
    const sent: unknown[] = [];
    await server.connect({ start: async () => {}, close: async () => {}, send: async (message) => void sent.push(message) });
    entry!({ jsonrpc: '2.0', id: 7, method: 'ping' });
    await vi.waitFor(() => expect(sent).toEqual([{ jsonrpc: '2.0', id: 7, result: {} }]));
    expect(requestEntry({} as never)).toBeUndefined();
  });
});
