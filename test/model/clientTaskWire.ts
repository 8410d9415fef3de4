import type { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ObservedStatus, SpecStatus } from './specOracle.js';

/** A request the server sent the client that the wire holds until the path delivers it. */
interface Parked {
  id: string | number;
  method: string;
  deliver(): Promise<void>;
  delivered: boolean;
}

/** What the receiver told the server about its task, as it went over the wire. */
export interface WireReport {
  via: 'tasks/get' | 'notification';
  status: ObservedStatus;
}

/**
 * The in-memory link between the server and the receiving client, tapped: the server's `tasks/get`
 * and `tasks/result` are parked until the path delivers them, every `tasks/*` request the server
 * sends is counted, requests it withdraws (`notifications/cancelled`) are noted, and the receiver's
 * reports about `taskId` (status notifications, `tasks/get` answers) are recorded.
 */
export class ClientTaskWire {
  readonly reports: WireReport[] = [];
  /** The receiver's task whose reports are recorded (known once it answered the CreateTaskResult). */
  taskId: string | undefined;
  private readonly parked: Parked[] = [];
  private readonly sent: string[] = [];
  private readonly withdrawn = new Set<string | number>();
  private readonly deliveredGets = new Set<string | number>();
  /** The ids of the server's requests for input (elicitation, sampling), in order. */
  private readonly asks: (string | number)[] = [];
  private readonly toServer: (message: JSONRPCMessage, options?: TransportSendOptions) => Promise<void>;

  constructor(clientSide: InMemoryTransport, serverSide: InMemoryTransport) {
    const toClient = serverSide.send.bind(serverSide);
    serverSide.send = async (message: JSONRPCMessage, options?: TransportSendOptions) => {
      if ('method' in message && 'id' in message && message.method.startsWith('tasks/')) {
        this.sent.push(message.method);
        if (message.method === 'tasks/get' || message.method === 'tasks/result') {
          this.parked.push({ id: message.id, method: message.method, delivered: false, deliver: () => toClient(message, options) });
          return;
        }
      }
      if (
        'method' in message &&
        'id' in message &&
        (message.method === 'elicitation/create' || message.method === 'sampling/createMessage')
      )
        this.asks.push(message.id);
      if ('method' in message && message.method === 'notifications/cancelled') {
        const requestId = (message.params as { requestId?: string | number }).requestId;
        if (requestId !== undefined) this.withdrawn.add(requestId);
      }
      return toClient(message, options);
    };
    const toServer = clientSide.send.bind(clientSide);
    this.toServer = toServer;
    clientSide.send = async (message: JSONRPCMessage, options?: TransportSendOptions) => {
      if ('method' in message && message.method === 'notifications/tasks/status') {
        const task = message.params as { taskId: string; status: SpecStatus };
        if (task.taskId === this.taskId) this.reports.push({ via: 'notification', status: task.status });
      } else if ('id' in message && message.id !== undefined && !('method' in message) && this.deliveredGets.has(message.id)) {
        // An error answer (-32602) says the receiver no longer has the task.
        const status = 'result' in message ? (message.result as { status?: SpecStatus }).status : undefined;
        this.reports.push({ via: 'tasks/get', status: status ?? 'gone' });
      }
      return toServer(message, options);
    };
  }

  /** How many `method` requests the server has sent the client. */
  count(method: string): number {
    return this.sent.filter((m) => m === method).length;
  }

  /** Whether a `method` request is parked, neither delivered nor withdrawn. */
  isWaiting(method: string): boolean {
    return this.waiting(method) !== undefined;
  }

  /** Delivers the latest parked `method` request to the client. */
  async deliver(method: string): Promise<void> {
    const parked = this.waiting(method);
    if (!parked) throw new Error(`no ${method} of the server is waiting on the wire`);
    parked.delivered = true;
    if (method === 'tasks/get') this.deliveredGets.add(parked.id);
    await parked.deliver();
  }

  /** Answers the server's latest request for input with `result`, as the receiving client would. */
  async answer(result: unknown): Promise<void> {
    const id = this.asks.at(-1);
    if (id === undefined) throw new Error('the server has asked the client nothing');
    await this.toServer({ jsonrpc: '2.0', id, result } as JSONRPCMessage);
  }

  /** The `tasks/result` calls the server has open: parked, neither delivered nor withdrawn. */
  openResults(): number {
    return this.parked.filter((p) => p.method === 'tasks/result' && !p.delivered && !this.withdrawn.has(p.id)).length;
  }

  private waiting(method: string): Parked | undefined {
    return [...this.parked].reverse().find((p) => p.method === method && !p.delivered && !this.withdrawn.has(p.id));
  }
}
