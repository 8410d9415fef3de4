import type { MachineGraph, StateBox, TransitionLine } from './machineGraph.js';
import { allStates } from './machineGraph.js';

/**
 * A machine's state diagram as a self-contained SVG, laid out here (no layout engine, no network):
 * states are boxes, compound states contain their children, and the children of each container
 * are placed in ranks (breadth-first from the initial state), top to bottom at the machine level
 * and left to right one level down, alternating. Transitions that change state are straight
 * arrows labelled with their events. Each state is a `<g data-state="<xstate id>">`, so a page
 * can highlight the current state of an actor by id.
 */
export function stateDiagramSvg(graph: MachineGraph, options: { title?: string } = {}): string {
  const lines = drawnTransitions(graph);
  const labels = labelsByPair(lines);
  const parentOf = new Map(allStates(graph).map(({ box, parent }) => [box.id, parent]));
  const incoming = incomingLabelWidth(labels);

  const root = measureContainer(graph.states, graph.initial, true, { parentOf, labels, incoming });
  const placed = new Map<string, Rect>();
  const origins: Origins = new Map();
  placeContainer(root, MARGIN, MARGIN, placed, origins);

  const width = Math.ceil(root.width + 2 * MARGIN);
  const height = Math.ceil(root.height + 2 * MARGIN);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="machine" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(options.title ?? `${graph.id} machine`)}">`,
    '<defs><marker id="mta-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
  ];
  const states = allStates(graph).map(({ box }) => box);
  for (const box of states.filter((state) => state.children.length > 0)) parts.push(stateMarkup(box, placed.get(box.id)!));
  for (const marker of initialMarkers(root, origins)) parts.push(marker);
  for (const [pair, events] of labels) {
    const [source, target] = pair.split('\n') as [string, string];
    const edge = edgeMarkup(placed.get(source), placed.get(target), events, labels.has(`${target}\n${source}`));
    if (edge) parts.push(edge);
  }
  for (const box of states.filter((state) => state.children.length === 0)) parts.push(stateMarkup(box, placed.get(box.id)!));
  parts.push('</svg>');
  return parts.join('\n');
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Measured {
  box: StateBox | undefined;
  width: number;
  height: number;
  /** Child positions relative to this box's top-left corner. */
  children: { measured: Measured; dx: number; dy: number }[];
  /** Where the initial marker goes, relative to the box, and which way it points. */
  initial: { dx: number; dy: number; vertical: boolean } | undefined;
}

interface LayoutContext {
  parentOf: Map<string, string | undefined>;
  labels: Map<string, string[]>;
  incoming: Map<string, number>;
}

const MARGIN = 12;
const STATE_HEIGHT = 34;
const MIN_STATE_WIDTH = 84;
const TITLE_HEIGHT = 24;
const PADDING = 16;
/** Room under a horizontal row for the labels of arrows running back (below the line). */
const LABEL_ROOM = 30;
const SIBLING_GAP = 26;
const INITIAL_ROOM = 30;
const STATE_CHAR = 7.2;
const LABEL_CHAR = 6;
const LABEL_LINE = 12;

/** Transitions that change state, those on the machine itself drawn from each top-level state. */
function drawnTransitions(graph: MachineGraph): TransitionLine[] {
  return graph.transitions
    .filter((line) => !line.targetless && line.source !== line.target)
    .flatMap((line) =>
      line.source === graph.id
        ? graph.states.filter((state) => state.type !== 'final' && state.id !== line.target).map((state) => ({ ...line, source: state.id }))
        : [line],
    );
}

/** Event labels per `source\ntarget` pair, each event once, in definition order. */
function labelsByPair(lines: TransitionLine[]): Map<string, string[]> {
  const pairs = new Map<string, string[]>();
  for (const line of lines) {
    const key = `${line.source}\n${line.target}`;
    const events = pairs.get(key) ?? [];
    if (!events.includes(line.label)) events.push(line.label);
    pairs.set(key, events);
  }
  return pairs;
}

/** The widest label block arriving at each state: boxes grow so neighbouring arrows' labels never overlap. */
function incomingLabelWidth(labels: Map<string, string[]>): Map<string, number> {
  const widths = new Map<string, number>();
  for (const [pair, events] of labels) {
    const target = pair.split('\n')[1]!;
    widths.set(target, Math.max(widths.get(target) ?? 0, labelWidth(events)));
  }
  return widths;
}

function labelWidth(events: string[]): number {
  return Math.max(...events.map((event) => event.length * LABEL_CHAR));
}

function measureState(box: StateBox, vertical: boolean, context: LayoutContext): Measured {
  if (box.children.length === 0) {
    const width = Math.max(MIN_STATE_WIDTH, box.key.length * STATE_CHAR + 28, (context.incoming.get(box.id) ?? 0) + 16);
    return { box, width, height: STATE_HEIGHT, children: [], initial: undefined };
  }
  const inner = measureContainer(box.children, box.initial, vertical, context);
  const bottom = vertical ? PADDING : PADDING + LABEL_ROOM;
  return {
    box,
    width: Math.max(inner.width + 2 * PADDING, box.key.length * STATE_CHAR + 2 * PADDING),
    height: TITLE_HEIGHT + PADDING + inner.height + bottom,
    children: inner.children.map((child) => ({ ...child, dx: child.dx + PADDING, dy: child.dy + TITLE_HEIGHT + PADDING })),
    initial: inner.initial && { ...inner.initial, dx: inner.initial.dx + PADDING, dy: inner.initial.dy + TITLE_HEIGHT + PADDING },
  };
}

/** Lays out the children of one container in ranks along `vertical` (rows) or across (columns). */
function measureContainer(children: StateBox[], initial: string | undefined, vertical: boolean, context: LayoutContext): Measured {
  const ids = new Set(children.map((child) => child.id));
  const levelOf = (id: string): string | undefined => {
    for (let current: string | undefined = id; current !== undefined; current = context.parentOf.get(current)) {
      if (ids.has(current)) return current;
    }
    return undefined;
  };
  // Edges between different children of this container, with the widest label between two ranks.
  const next = new Map<string, Set<string>>();
  const pairLabels: { from: string; to: string; width: number }[] = [];
  for (const [pair, events] of context.labels) {
    const [source, target] = pair.split('\n') as [string, string];
    const from = levelOf(source);
    const to = levelOf(target);
    if (from === undefined || to === undefined || from === to) continue;
    next.set(from, (next.get(from) ?? new Set()).add(to));
    pairLabels.push({ from, to, width: labelWidth(events) });
  }
  const rank = new Map<string, number>();
  const start = initial ?? children[0]?.id;
  if (start !== undefined) {
    rank.set(start, 0);
    const queue = [start];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const to of next.get(id) ?? []) {
        if (!rank.has(to)) {
          rank.set(to, rank.get(id)! + 1);
          queue.push(to);
        }
      }
    }
  }
  const unreached = Math.max(-1, ...rank.values()) + 1;
  const ranks: Measured[][] = [];
  for (const child of children) {
    const index = rank.get(child.id) ?? unreached;
    (ranks[index] ??= []).push(measureState(child, !vertical, context));
  }
  const filled = ranks.filter((group) => group !== undefined);

  // Gap between consecutive ranks: enough for an arrow, or for the widest label running across.
  const rankOf = new Map<string, number>();
  filled.forEach((group, index) => group.forEach((measured) => rankOf.set(measured.box!.id, index)));
  const gaps: number[] = filled.map(() => (vertical ? 56 : 64));
  for (const { from, to, width } of pairLabels) {
    const a = rankOf.get(from)!;
    const b = rankOf.get(to)!;
    if (!vertical && Math.abs(a - b) === 1) gaps[Math.min(a, b)] = Math.max(gaps[Math.min(a, b)]!, width + 24);
  }

  const across = (m: Measured): number => (vertical ? m.width : m.height);
  const along = (m: Measured): number => (vertical ? m.height : m.width);
  // Neighbours in one rank joined by an arrow need room for its label between them (only across a row).
  const siblingGap = (a: Measured, b: Measured): number => {
    const widths = pairLabels
      .filter(({ from, to }) => (from === a.box!.id && to === b.box!.id) || (from === b.box!.id && to === a.box!.id))
      .map(({ width }) => width + 20);
    return vertical ? Math.max(SIBLING_GAP, ...widths) : SIBLING_GAP;
  };
  const spans = filled.map((group) =>
    group.reduce((sum, m, index) => sum + across(m) + (index > 0 ? siblingGap(group[index - 1]!, m) : 0), 0),
  );
  const breadth = Math.max(...spans);
  const placedChildren: Measured['children'] = [];
  let position = INITIAL_ROOM;
  filled.forEach((group, index) => {
    const depth = Math.max(...group.map(along));
    let offset = (breadth - spans[index]!) / 2;
    group.forEach((measured, member) => {
      if (member > 0) offset += siblingGap(group[member - 1]!, measured);
      const centring = (depth - along(measured)) / 2;
      placedChildren.push(vertical ? { measured, dx: offset, dy: position + centring } : { measured, dx: position + centring, dy: offset });
      offset += across(measured);
    });
    position += depth + (index < filled.length - 1 ? gaps[index]! : 0);
  });
  const first = placedChildren.find(({ measured }) => measured.box?.id === start);
  return {
    box: undefined,
    width: vertical ? breadth : position,
    height: vertical ? position : breadth,
    children: placedChildren,
    initial: first && {
      dx: vertical ? first.dx + first.measured.width / 2 : first.dx,
      dy: vertical ? first.dy : first.dy + first.measured.height / 2,
      vertical,
    },
  };
}

type Origins = Map<Measured, { x: number; y: number }>;

/** Turns relative positions into absolute ones: each state's rectangle, each container's origin. */
function placeContainer(measured: Measured, x: number, y: number, placed: Map<string, Rect>, origins: Origins): void {
  if (measured.box) placed.set(measured.box.id, { x, y, width: measured.width, height: measured.height });
  origins.set(measured, { x, y });
  for (const child of measured.children) placeContainer(child.measured, x + child.dx, y + child.dy, placed, origins);
}

/** A dot and an arrow to the initial state of each container. */
function initialMarkers(root: Measured, origins: Origins): string[] {
  const out: string[] = [];
  const walk = (measured: Measured): void => {
    const origin = origins.get(measured)!;
    if (measured.initial) {
      const tipX = origin.x + measured.initial.dx;
      const tipY = origin.y + measured.initial.dy;
      const [dotX, dotY] = measured.initial.vertical ? [tipX, tipY - INITIAL_ROOM + 6] : [tipX - INITIAL_ROOM + 6, tipY];
      out.push(
        `<g class="initial"><circle cx="${fmt(dotX)}" cy="${fmt(dotY)}" r="4"/><path d="M${fmt(dotX)},${fmt(dotY)} L${fmt(tipX)},${fmt(tipY)}" marker-end="url(#mta-arrow)"/></g>`,
      );
    }
    for (const child of measured.children) walk(child.measured);
  };
  walk(root);
  return out;
}

function stateMarkup(box: StateBox, rect: Rect): string {
  const compound = box.children.length > 0;
  const text = compound
    ? `<text class="title" x="${fmt(rect.x + 10)}" y="${fmt(rect.y + 16)}">${escape(box.key)}</text>`
    : `<text x="${fmt(rect.x + rect.width / 2)}" y="${fmt(rect.y + rect.height / 2 + 4)}" text-anchor="middle">${escape(box.key)}</text>`;
  const invokes =
    box.invokes.length > 0
      ? `<text class="invokes" x="${fmt(rect.x + rect.width - 10)}" y="${fmt(rect.y + 16)}" text-anchor="end">invokes ${escape(box.invokes.join(', '))}</text>`
      : '';
  const finalRing =
    box.type === 'final'
      ? `<rect class="ring" x="${fmt(rect.x + 3)}" y="${fmt(rect.y + 3)}" width="${fmt(rect.width - 6)}" height="${fmt(rect.height - 6)}" rx="6"/>`
      : '';
  return (
    `<g class="state ${compound ? 'compound' : box.type}" data-state="${escape(box.id)}" data-key="${escape(box.key)}">` +
    `<rect x="${fmt(rect.x)}" y="${fmt(rect.y)}" width="${fmt(rect.width)}" height="${fmt(rect.height)}" rx="${compound ? 12 : 8}"/>` +
    `${finalRing}${text}${invokes}<text class="count" x="${fmt(rect.x + rect.width - 4)}" y="${fmt(rect.y - 4)}" text-anchor="end"></text></g>`
  );
}

/** A straight arrow between two boxes, with its events stacked beside it. */
function edgeMarkup(source: Rect | undefined, target: Rect | undefined, events: string[], twoWay: boolean): string | undefined {
  if (!source || !target) return undefined;
  const lines = events.map((event) => escape(event));
  const label = (x: number, y: number, anchor: string, below: boolean): string => {
    const top = below ? y + LABEL_LINE : y - (lines.length - 1) * LABEL_LINE;
    return lines
      .map((line, index) => `<text class="label" x="${fmt(x)}" y="${fmt(top + index * LABEL_LINE)}" text-anchor="${anchor}">${line}</text>`)
      .join('');
  };
  let path: string;
  let text: string;
  if (target.y >= source.y + source.height || source.y >= target.y + target.height) {
    const down = target.y >= source.y + source.height;
    const low = Math.max(source.x, target.x) + 10;
    const high = Math.min(source.x + source.width, target.x + target.width) - 10;
    const x = low <= high ? clamp(target.x + target.width / 2, low, high) : undefined;
    const x1 = x ?? source.x + source.width / 2;
    const x2 = x ?? target.x + target.width / 2;
    const y1 = down ? source.y + source.height : source.y;
    const y2 = down ? target.y : target.y + target.height;
    path = `M${fmt(x1)},${fmt(y1)} L${fmt(x2)},${fmt(y2)}`;
    text = label((x1 + x2) / 2, (y1 + y2) / 2 + 4, 'middle', false);
  } else if (target.x >= source.x + source.width || source.x >= target.x + target.width) {
    const right = target.x >= source.x + source.width;
    const low = Math.max(source.y, target.y) + 8;
    const high = Math.min(source.y + source.height, target.y + target.height) - 8;
    // Two-way pairs: the rightward arrow runs above, the leftward one below, labels outside.
    const y =
      (low <= high ? clamp(target.y + target.height / 2, low, high) : source.y + source.height / 2) + (twoWay ? (right ? -7 : 7) : 0);
    const x1 = right ? source.x + source.width : source.x;
    const x2 = right ? target.x : target.x + target.width;
    path = `M${fmt(x1)},${fmt(y)} L${fmt(x2)},${fmt(y)}`;
    const above = !twoWay || right;
    text = label((x1 + x2) / 2, above ? y - 5 : y + 2, 'middle', !above);
  } else {
    return undefined; // A compound state and its own child: nothing sensible to draw.
  }
  return `<g class="edge"><path d="${path}" marker-end="url(#mta-arrow)"/>${text}</g>`;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function fmt(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
