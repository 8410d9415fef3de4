import { readFileSync } from 'node:fs';

const client = readFileSync(new URL('./client.js', import.meta.url), 'utf8');

/** Colours of the task statuses, shared by badges, chips and the diagram's current state. */
const STATE_COLOURS: Record<string, string> = {
  working: '#2563eb',
  input_required: '#d97706',
  completed: '#16a34a',
  failed: '#dc2626',
  cancelled: '#6b7280',
  expired: '#7c3aed',
};

const stateRules = Object.entries(STATE_COLOURS)
  .map(([key, colour]) => `[data-key="${key}"] { --state: ${colour}; }\n.row[data-state="${key}"] { --state: ${colour}; }`)
  .join('\n');

/**
 * The live view page: everything inline (styles, script, the task machine's SVG), so it works
 * with no network at all. `diagramSvg` is drawn once on the server from the machine definition:
 * the page shows it once, with live counts, and a task's own copy only when its row is opened.
 * Tasks are compact rows in a scrolling list, so 1,000 tasks keep the page one screen high.
 */
export function liveViewPage(options: { diagramSvg: string; eventsPath: string; maxCards: number }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tasks · mcp-task-actors live view</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<style>
:root { --ink: #0f172a; --muted: #64748b; --line: #cbd5e1; --paper: #f8fafc; --state: #94a3b8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif; color: var(--ink); background: #eef2f7; }
header.top { display: flex; align-items: baseline; gap: 8px 16px; flex-wrap: wrap; padding: 12px 16px; background: #fff; border-bottom: 1px solid var(--line); }
header.top h1 { font-size: 18px; margin: 0; }
header.top .sub { color: var(--muted); }
#connection { margin-left: auto; font-size: 12px; padding: 2px 10px; border-radius: 999px; background: #fee2e2; color: #991b1b; }
#connection.ok { background: #dcfce7; color: #166534; }
main { padding: 12px 16px; display: grid; gap: 12px; }
section.panel { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; min-width: 0; }
section.panel h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 8px; }
#summary { display: flex; gap: 12px 24px; align-items: flex-start; flex-wrap: wrap; }
#overview { max-width: 100%; overflow-x: auto; }
#overview svg { max-width: 100%; height: auto; }
#counts { display: flex; flex-wrap: wrap; gap: 6px; align-content: flex-start; max-width: 360px; }
.chip { display: inline-flex; gap: 8px; align-items: center; border: 1px solid var(--line); border-radius: 999px; padding: 3px 4px 3px 12px; background: var(--paper); cursor: pointer; font: inherit; color: inherit; }
.chip[aria-pressed="true"] { outline: 2px solid var(--state); }
.chip .n { min-width: 26px; text-align: center; border-radius: 999px; padding: 1px 8px; color: #fff; background: var(--state); }
.hint { color: var(--muted); font-size: 12px; margin: 8px 0 0; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 8px; }
.controls select, .controls input { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; }
.controls input { flex: 1 1 180px; min-width: 0; }
#shown { color: var(--muted); font-size: 12px; }
#pool-queues { border-collapse: collapse; width: 100%; font-size: 13px; }
#pool-queues th { text-align: left; color: var(--muted); font-weight: 500; padding: 2px 8px 2px 0; }
#pool-queues td { padding: 3px 8px 3px 0; vertical-align: top; border-top: 1px solid #e2e8f0; overflow-wrap: anywhere; }
#pool.stale #pool-queues { opacity: .5; }
#pool-status { margin: 0 0 6px; color: #991b1b; }
#empty { color: var(--muted); }
/* The list scrolls, the page does not grow: 1,000 rows stay one screen high. */
#tasks { max-height: 60vh; overflow-y: auto; border-top: 1px solid var(--line); }
.row { display: grid; grid-template-columns: 118px minmax(90px, 150px) minmax(80px, 140px) 76px 1fr; gap: 10px; align-items: center;
  padding: 5px 8px; border-bottom: 1px solid #e2e8f0; border-left: 4px solid var(--state); cursor: pointer; content-visibility: auto; contain-intrinsic-size: auto 31px; }
.row:hover, .row[aria-expanded="true"] { background: var(--paper); }
.row.finished { opacity: .9; }
.row > span, .row > code { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.badge { font-weight: 600; color: #fff; background: var(--state); border-radius: 6px; padding: 1px 8px; font-size: 12px; justify-self: start; }
.id { font-size: 12px; }
.tool { font-weight: 500; }
.age { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
.message { font-style: italic; color: #334155; }
.message.error { font-style: normal; color: #991b1b; }
.detail { padding: 8px 12px 12px; border-bottom: 1px solid var(--line); background: var(--paper); }
.detail .full-id { font-size: 12px; word-break: break-all; }
.diagram { margin: 6px 0; overflow-x: auto; }
.diagram svg { max-width: 100%; height: auto; }
.history { margin: 0; padding-left: 20px; font-size: 12px; }
.history li { display: grid; grid-template-columns: 92px 110px 1fr auto; gap: 8px; }
.history time, .history .delta { color: var(--muted); font-variant-numeric: tabular-nums; }
.history .event { color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
@media (max-width: 640px) {
  /* Phone width: status, tool and age on one line, the message under them; the id is in the detail. */
  .row { grid-template-columns: auto 1fr auto; row-gap: 2px; }
  .row .id { display: none; }
  .row .message { grid-column: 1 / -1; }
  .history li { grid-template-columns: 84px 1fr; }
  .history .event, .history .delta { display: none; }
}
svg.machine { font: 12px system-ui, sans-serif; }
svg.machine .state > rect { fill: #fff; stroke: #94a3b8; stroke-width: 1.2; }
svg.machine .state.compound > rect { fill: var(--paper); }
svg.machine .ring { fill: none; stroke: #cbd5e1; }
svg.machine .title { font-weight: 600; }
svg.machine .invokes, svg.machine .label { font-size: 10px; fill: var(--muted); }
svg.machine .label { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.machine .edge path { stroke: #94a3b8; fill: none; }
svg.machine .arrowhead { fill: #94a3b8; }
svg.machine .initial circle { fill: #334155; }
svg.machine .initial path { stroke: #334155; }
svg.machine .count { font-weight: 700; fill: var(--state); }
svg.machine .state.visited > rect { stroke: var(--state); stroke-dasharray: 4 3; }
svg.machine .state.within > rect { stroke: var(--ink); stroke-width: 2; }
svg.machine .state.current > rect { fill: var(--state); stroke: var(--state); }
svg.machine .state.current > text { fill: #fff; font-weight: 600; }
svg.machine .state.occupied > rect { stroke: var(--state); stroke-width: 2.4; }
${stateRules}
</style>
</head>
<body>
<div id="live-view" data-events="${attribute(options.eventsPath)}" data-max-cards="${attribute(String(options.maxCards))}">
<header class="top">
  <h1>Tasks</h1>
  <span class="sub">every task actor of this server, live from the XState inspection stream (sanitised)</span>
  <span id="connection">connecting…</span>
</header>
<main>
  <section class="panel">
    <h2>Task machine · tasks per state</h2>
    <div id="summary">
      <div id="overview">${options.diagramSvg}</div>
      <div>
        <div id="counts"></div>
        <p class="hint">Running states: tasks there now. Final states: totals since the server started. Click a count to filter.</p>
      </div>
    </div>
  </section>
  <section class="panel" id="pool" hidden>
    <h2>Worker pool · jobs per tool queue</h2>
    <p id="pool-status" class="hint" role="status" hidden></p>
    <table id="pool-queues"><thead><tr><th>tool</th><th>waiting</th><th>running on</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="panel">
    <h2>Live and recent tasks</h2>
    <div class="controls">
      <select id="status-filter" aria-label="Filter by status"><option value="">all statuses</option></select>
      <input id="search" type="search" placeholder="Search task id or tool" aria-label="Search task id or tool" autocomplete="off">
      <span id="shown"></span>
    </div>
    <p id="empty">No tasks yet. Call a tool with <code>task</code> set, e.g. <code>countdown</code> with <code>{ "seconds": 5 }</code>.</p>
    <div id="tasks" role="list"></div>
  </section>
</main>
</div>
<template id="machine-template">${options.diagramSvg}</template>
<script>
${client}
</script>
</body>
</html>
`;
}

/**
 * `value` as the text of a double-quoted HTML attribute. A path may hold `&` and `'` (routes.ts
 * refuses only what no request can spell): unescaped, `&quot;` in it reached the page's script as `"`.
 */
function attribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
