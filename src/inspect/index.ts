/**
 * `mcp-task-actors/inspect`: Node-only inspection helpers, kept out of the main entry so the
 * library itself does not load a WebSocket stack. Needs the optional peer `@statelyai/inspect`
 * (its sender); the relay runs on `ws`, a dependency of this package.
 */
export { RelayListenError, startStatelyInspector } from './statelyInspector.js';
export type { StatelyInspector, StatelyInspectorOptions } from './statelyInspector.js';
