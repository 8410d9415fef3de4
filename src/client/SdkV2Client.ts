/**
 * An SDK v2 `Client` (`@modelcontextprotocol/client` 2.x) as {@link TasksExtensionClient} takes it:
 * its `request` and its public `transport`.
 *
 * Structural on purpose: v2 is an optional peer, and a type imported from it would be `any` for a
 * user on SDK v1 alone (or fail their build with `skipLibCheck` off), so the constructor would take
 * anything. `request` takes any arguments because v2's overloads are generic over its method names.
 */
export interface SdkV2Client {
  /** The connected transport (none once the connection closed): a call fails at once without one. */
  readonly transport?: { onclose?: (() => void) | undefined } | undefined;
  /** `request(request, resultSchema, options)`, as on SDK v1's `Client`. */
  request(...args: never[]): Promise<unknown>;
}
