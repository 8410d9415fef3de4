import type { TaskEngine } from './engine/TaskEngine.js';
import { adapterFor } from './sdk/index.js';
import type { AnyServer } from './sdk/index.js';
import type { ServerSession } from './session/dispatch.js';
import { SessionRouter } from './session/SessionRouter.js';
import type { TaskToolDefinition } from './session/toolRegistry.js';

/** Who owns a request: the caller's identity on this connection (session/caller.ts `ownerOf`). */
type OwnerOf = ConstructorParameters<typeof SessionRouter>[2];

/**
 * What a `TaskSupport` keeps per SDK server it was given (`enable`, `registerTool`): its host
 * adapter, task tools and session router. One per server, shared by the forms an SDK line has of
 * one server (v2's McpServer and its low-level Server, found through the adapter's `canonical`),
 * held weakly so a closed server is collected with it.
 * @internal
 */
export class ServerSessions {
  private readonly byServer = new WeakMap<object, ServerSession>();

  constructor(
    private readonly engine: TaskEngine,
    private readonly ownerOf: OwnerOf,
  ) {}

  /** The session of `server`, made on first use. */
  of(server: AnyServer): ServerSession {
    let session = this.byServer.get(server);
    if (!session) {
      const adapter = adapterFor(server);
      const canonical = adapter.canonical(server);
      session = this.byServer.get(canonical);
      if (!session) {
        const host = adapter.host(server);
        const tools = new Map<string, TaskToolDefinition>();
        session = { host, tools, router: new SessionRouter(this.engine, host, this.ownerOf), enabled: false, toolsServed: false };
        host.refuseOwnTools((name) => tools.has(name));
        this.byServer.set(canonical, session);
      }
      this.byServer.set(server, session);
    }
    return session;
  }
}
