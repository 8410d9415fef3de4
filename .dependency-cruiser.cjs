/**
 * The layering of mcp-task-actors, checked by dependency-cruiser (`npm run depcruise`).
 * Written for the folder tree of issue 13 (docs/design.md); read `A ← B` as "B may import A":
 *
 *   machines ← root shared (types, errors, wire) ← backends ← engine ← session ← protocol ← sdk ← TaskSupport / index / options
 *
 * - machines/ hold the state machines and import nothing of src/ and nothing of the MCP SDK.
 * - engine/ imports the backend contracts (TaskStore, TaskMessageQueue, TaskCluster) as types only;
 *   it owns the store and the queue it is given, and never names an implementation.
 * - backends/, redis/ and bullmq/ implement those contracts and import nothing above them.
 * - session/ (router, dispatch, callers, tool registry) never imports a protocol: the dispatch table
 *   is built by protocol/index.ts and handed to it.
 * - protocol/rev2025-11-25/ and protocol/tasksExtension/ do not import each other.
 * - The SDK's runtime (`@modelcontextprotocol/sdk/...` imported for values, not `import type`) is
 *   used only in sdk/<line>/, in src/wire.ts (the spec vocabulary: schemas, McpError, ErrorCode,
 *   meta keys, re-exported for the layers below), in client/ and in demo/. Everything else imports
 *   the SDK for types only.
 * - sdk/v1 and a future sdk/v2 do not import each other.
 * - client/ (a subpath for client code) pulls in no server code: only the extension's wire shapes.
 * - http/ (the Streamable HTTP host) imports nothing of src/ but sdk/v1/http.ts, where the SDK's
 *   transport and Host check are named.
 */

/** Folders and files of each layer, as path regexes relative to the repository root. */
const machines = '^machines/';
const shared = '^src/(types|errors|wire)\\.ts$';
const backends = '^src/(backends|redis|bullmq)/';
const engine = '^src/engine/';
const session = '^src/session/';
const protocol = '^src/protocol/';
const sdk = '^src/sdk/';
const top = '^src/(index|TaskSupport|options)\\.ts$';
const inspect = '^src/inspect/';
const client = '^src/client/';
const demo = '^src/demo/';
const http = '^src/http/';
const anyOf = (...patterns) => patterns.join('|');

/** A rule forbidding `from` to import anything matching `to`. */
const layer = (name, comment, from, to, extra = {}, fromNot = undefined) => ({
  name,
  comment,
  severity: 'error',
  from: fromNot === undefined ? { path: from } : { path: from, pathNot: fromNot },
  to: { path: to, ...extra },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle makes the load order matter and the layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves to a file or an installed package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      comment: 'A package used by the library must be declared in package.json.',
      severity: 'error',
      from: { path: '^src/' },
      // (A package that is both a peer and a devDependency, like @statelyai/inspect, also shows as npm-no-pkg.)
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['npm', 'npm-dev', 'npm-peer'] },
    },
    {
      name: 'library-not-to-dev-dep',
      comment:
        'Published code (src/ but demo/, machines/) must not need a devDependency at run time; ' +
        '@statelyai/inspect is an optional peer loaded on demand by inspect/.',
      severity: 'error',
      from: { path: anyOf('^src/', machines), pathNot: anyOf(demo, '\\.test\\.ts$') },
      to: {
        dependencyTypes: ['npm-dev'],
        dependencyTypesNot: ['type-only', 'npm-peer'],
        pathNot: '(^|/)node_modules/@statelyai/inspect/',
      },
    },

    layer('machines-are-leaves', 'machines/ import xstate and each other only.', machines, '^src/'),
    layer('machines-without-sdk', 'The machines know nothing of MCP or its SDK.', machines, '(^|/)node_modules/@modelcontextprotocol/'),
    layer(
      'shared-stays-low',
      'types.ts, errors.ts and wire.ts are imported by every layer, so they import none of them.',
      shared,
      anyOf(backends, engine, session, protocol, sdk, top, inspect, client, demo),
    ),
    layer(
      'backends-below-engine',
      'Stores, queues and clusters implement contracts; they never reach into the engine or above.',
      backends,
      anyOf(engine, session, protocol, sdk, top, inspect, client, demo),
    ),
    layer(
      'engine-below-session',
      'The engine is protocol-agnostic: no session, protocol, SDK adapter or facade.',
      engine,
      anyOf(session, protocol, sdk, top, inspect, client, demo),
    ),
    layer(
      'engine-uses-backend-contracts-as-types',
      'The engine is handed its store, queue and cluster; it imports their contracts for types only.',
      engine,
      backends,
      { dependencyTypesNot: ['type-only'] },
    ),
    layer(
      'session-below-protocol',
      'The session layer routes to protocols through a table it is given, never by importing them.',
      session,
      anyOf(protocol, sdk, top, inspect, client, demo),
    ),
    layer(
      'protocol-below-sdk',
      'Protocol handlers are plain functions: no SDK adapter, no facade.',
      protocol,
      anyOf(sdk, top, inspect, client, demo),
    ),
    layer(
      'rev2025-not-to-extension',
      'Each protocol is one room: shared code lives in session/ or engine/.',
      '^src/protocol/rev2025-11-25/',
      '^src/protocol/tasksExtension/',
    ),
    layer(
      'extension-not-to-rev2025',
      'Each protocol is one room: shared code lives in session/ or engine/.',
      '^src/protocol/tasksExtension/',
      '^src/protocol/rev2025-11-25/',
    ),
    layer('sdk-below-facade', 'An SDK adapter never imports the facade.', sdk, anyOf(top, client, demo)),
    layer('sdk-v1-not-to-v2', 'SDK lines are independent folders.', '^src/sdk/v1/', '^src/sdk/v2/'),
    layer('sdk-v2-not-to-v1', 'SDK lines are independent folders.', '^src/sdk/v2/', '^src/sdk/v1/'),
    layer(
      'inspect-stays-out',
      'Inspection is wired in by TaskSupport (an observer); it imports nothing of the task layers.',
      inspect,
      anyOf(backends, engine, session, protocol, sdk, top, client, demo),
    ),
    layer(
      'client-is-client-only',
      'mcp-task-actors/client pulls in no server code, only the extension wire shapes, the timer bounds, zodIssues and followSignals.',
      client,
      '^src/',
      {
        pathNot: anyOf(
          client,
          '^src/protocol/tasksExtension/wire\\.ts$',
          '^src/timerBounds\\.ts$',
          '^src/zodIssues\\.ts$',
          '^src/followSignals\\.ts$',
        ),
      },
    ),
    layer(
      'http-is-only-a-host',
      "mcp-task-actors/http serves any SDK v1 server: it knows no task layer, only the v1 adapter's HTTP pieces, " +
        "the library's error vocabulary (its session caps answer -32029 as the task limits do), the timer bounds and safeLogger.",
      http,
      '^src/',
      { pathNot: anyOf(http, '^src/sdk/v1/http\\.ts$', '^src/errors\\.ts$', '^src/timerBounds\\.ts$', '^src/safeLogger\\.ts$') },
    ),
    layer('nobody-imports-demo', 'The demo is an application of the library, not part of it.', '^src/', demo, {}, demo),
    {
      name: 'sdk-runtime-only-in-adapters',
      comment:
        'Only sdk/<line>/ (and wire.ts, client/, demo/) import the MCP SDK for values; everything else ' +
        'uses `import type`. This is the seam a second SDK line plugs into.',
      severity: 'error',
      from: { path: anyOf('^src/', machines), pathNot: anyOf(sdk, client, demo, '^src/wire\\.ts$') },
      to: { path: '(^|/)node_modules/@modelcontextprotocol/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
