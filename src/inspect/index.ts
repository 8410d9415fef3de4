/**
 * `mcp-task-actors/inspect`: Node-only inspection helpers, kept out of the main entry so the
 * library itself does not load a WebSocket stack. Needs the optional peer `@statelyai/inspect`.
 */
export { startStatelyInspector } from './statelyInspector.js';
export type { StatelyInspector, StatelyInspectorOptions } from './statelyInspector.js';
