/**
 * Makes an `McpServer`'s own tool registration (`registerTool`, and v1's `tool`) refuse a name
 * that `taken` reports, with the error the SDK throws for its own duplicates, so a plain tool can
 * never shadow a task tool and `tools/list` never names a tool twice. Only the instance is
 * changed (its prototype stays the SDK's). Shared by the SDK lines: both take the name first.
 * @internal
 */
export function refuseToolNames(mcpServer: object, methods: readonly string[], taken: (name: string) => boolean): void {
  const target = mcpServer as Record<string, unknown>;
  for (const method of methods) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    Object.defineProperty(target, method, {
      configurable: true,
      writable: true,
      value: function (this: unknown, name: unknown, ...rest: unknown[]): unknown {
        if (typeof name === 'string' && taken(name)) throw new Error(`Tool ${name} is already registered`);
        return (original as (...args: unknown[]) => unknown).apply(this, [name, ...rest]);
      },
    });
  }
}
