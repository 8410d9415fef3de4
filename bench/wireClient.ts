import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * A bare JSON-RPC client over the SDK's in-memory transport, for the memory and scale workloads.
 *
 * The SDK `Client` keeps a map entry per task it has seen (its progress-token bookkeeping), which
 * would be counted as server heap when client and server share a process. This client keeps
 * nothing once a response arrived, so heap deltas are the server's own. It speaks the same wire
 * protocol (initialize handshake included) to the real server.
 */
export class WireClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();

  private constructor(private readonly transport: InMemoryTransport) {
    transport.onmessage = (message) => this.receive(message);
  }

  static async connect(server: McpServer): Promise<WireClient> {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const wire = new WireClient(clientSide);
    await clientSide.start();
    await wire.request('initialize', {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: { elicitation: { form: {} } },
      clientInfo: { name: 'bench-wire', version: '1.0.0' },
    });
    await clientSide.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return wire;
  }

  request<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      void this.transport.send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }).catch(reject);
    });
  }

  /** Task-augmented tools/call; resolves with the taskId. */
  async createTask(tool: string, run: number, ttl = 3_600_000): Promise<string> {
    const result = await this.request<{ task: { taskId: string } }>('tools/call', {
      name: tool,
      arguments: { run },
      task: { ttl },
    });
    return result.task.taskId;
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private receive(message: JSONRPCMessage): void {
    if ('id' in message && ('result' in message || 'error' in message)) {
      const waiter = this.pending.get(Number(message.id));
      if (!waiter) return;
      this.pending.delete(Number(message.id));
      if ('error' in message) waiter.reject(new Error(`${message.error.code}: ${message.error.message}`));
      else waiter.resolve(message.result);
      return;
    }
    // A server-to-client request (an elicitation pushed on the session's stream, issue 18) is left
    // unanswered, as by a user who has not replied yet: the memory workload measures tasks waiting
    // for input. Refusing it failed every such task (and the `input` row with it).
  }
}
