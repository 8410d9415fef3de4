/**
 * Reading StrykerJS results and writing the docs/testing.md block (scripts/mutation.ts runs them).
 * A target's results are its final report (Stryker's incremental file, reports/mutation/<target>.json)
 * or, for a run stopped before it ended, the per-mutant lines of scripts/mutationLog.js.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ACCEPTED_SURVIVORS } from './mutationAccepted.js';
import type { AcceptedSurvivor } from './mutationAccepted.js';
import type { CarriedFile, CarriedFolder } from './mutationCarried.js';

export interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}
export interface FileResult {
  source: string;
  mutants: Mutant[];
}
export interface Report {
  files: Record<string, FileResult>;
}
/** What a run covered, kept beside its report (reports/mutation/<target>.meta.json). */
export interface RunMeta {
  /** The part of its folder's run (scripts/mutation.ts TARGETS). */
  part: string;
  commit: string;
  /** Files under mutation that differed from `commit` when the run started. */
  uncommitted: string[];
  mutate: string;
  tests: string;
  seconds: number;
  /** CPU seconds of Stryker and everything it waited for (its test runner and vitest). */
  cpuSeconds: number;
  /** Mutants this run tested (the rest of the report was reused by Stryker's incremental mode). */
  tested: number;
  /** `complete`, or why not (the run stopped: only the logged mutants count). */
  finished: string;
}

export const isLive = (m: Mutant) => m.status === 'Survived' || m.status === 'NoCoverage';
const isKilled = (m: Mutant) => m.status === 'Killed' || m.status === 'Timeout';

export function scoreOf(mutants: readonly Mutant[]) {
  const killed = mutants.filter(isKilled).length;
  const live = mutants.filter(isLive).length;
  return { killed, live, total: killed + live, percent: killed + live === 0 ? 100 : (100 * killed) / (killed + live) };
}

const keyOf = ({ location: { start, end }, mutatorName, replacement }: Mutant) =>
  `${start.line}:${start.column}-${end.line}:${end.column}:${mutatorName}:${replacement ?? ''}`;

/**
 * A part's results: Stryker's final report if its last full run ended, overlaid with every mutant
 * logged since (a run stopped early, or narrower reruns after tests were added: the later status wins).
 */
export function readResults(reportPath: string, logPath: string): Report | undefined {
  const reports: Report[] = [];
  if (existsSync(reportPath)) reports.push(JSON.parse(readFileSync(reportPath, 'utf8')) as Report);
  if (existsSync(logPath)) {
    const files: Record<string, FileResult> = {};
    for (const line of readFileSync(logPath, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const { file, ...mutant } = JSON.parse(line) as Mutant & { file: string };
      (files[file] ??= { source: readFileSync(file, 'utf8'), mutants: [] }).mutants.push(mutant);
    }
    reports.push({ files });
  }
  return reports.length === 0 ? undefined : mergeReports(reports);
}

/**
 * One report from several: each file's mutants from every report that has them; a mutant a later
 * report has again (same place, mutator and replacement: a rerun after new tests) takes its status,
 * unless it was killed before (the reports of one part share its commit; a full run starts afresh).
 */
export function mergeReports(reports: readonly Report[]): Report {
  const merged: Record<string, { source: string; mutants: Map<string, Mutant> }> = {};
  for (const report of reports) {
    for (const [file, entry] of Object.entries(report.files)) {
      const into = (merged[file] ??= { source: entry.source, mutants: new Map() });
      for (const m of entry.mutants) {
        const earlier = into.mutants.get(keyOf(m));
        // A rerun only adds tests to what judged a mutant (new tests, or a subset run on the lines of
        // survivors): a mutant once killed stays killed.
        if (earlier && isKilled(earlier) && !isKilled(m)) continue;
        into.mutants.set(keyOf(m), m);
      }
    }
  }
  return {
    files: Object.fromEntries(Object.entries(merged).map(([f, e]) => [f, { source: e.source, mutants: [...e.mutants.values()] }])),
  };
}

export interface Survivor {
  file: string;
  mutant: Mutant;
  accepted: AcceptedSurvivor | undefined;
}

export function survivorsOf(report: Report): Survivor[] {
  return Object.entries(report.files).flatMap(([file, { source, mutants }]) => {
    const lines = source.split('\n');
    return mutants.filter(isLive).map((mutant) => ({
      file,
      mutant,
      accepted: ACCEPTED_SURVIVORS.find(
        (a) =>
          a.file === file &&
          (a.mutator === '*' || a.mutator === mutant.mutatorName) &&
          (a.replacement === '*' || a.replacement === mutant.replacement) &&
          lines
            .slice(mutant.location.start.line - 1, mutant.location.end.line)
            .join('\n')
            .includes(a.line),
      ),
    }));
  });
}

export function survivorLine({ file, mutant, accepted }: Survivor): string {
  const where = `${file}:${mutant.location.start.line}`;
  const what = `${mutant.mutatorName} → \`${(mutant.replacement ?? '').replace(/\s+/g, ' ').replace(/`/g, "'").slice(0, 80)}\``;
  const uncovered = mutant.status === 'NoCoverage' ? ' (no test reaches it)' : '';
  return `- \`${where}\` ${what}${uncovered}: ${accepted?.why ?? '**not yet explained**'}`;
}

export interface TargetResult {
  folder: string;
  /** The folder's parts' results, merged. */
  report: Report | undefined;
  runs: RunMeta[];
  before: Report | undefined;
}

const short = (commit: string) => commit.slice(0, 7);

/**
 * The docs block: per folder its score (and before), what each run covered, every survivor.
 * `previous` is the block as it was: a file this checkout has no results for keeps its line, its
 * survivors and the runs that scored it (reports/mutation is not committed, so a fresh checkout
 * would otherwise drop every result it did not rerun).
 */
export function section(targets: readonly TargetResult[], previous: ReadonlyMap<string, CarriedFolder> = new Map()): string {
  const lines = [
    'Written by `npm run test:mutation` (scripts/mutation.ts) from the last run of each part; never by hand.',
    '',
    '| folder | commit | files | mutants | killed | survived | score | before added tests |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const details: string[] = [];
  for (const t of targets) {
    const files = t.report?.files ?? {};
    const old = previous.get(t.folder);
    const carried = [...(old?.files ?? new Map<string, CarriedFile>())].filter(([file]) => !(file in files));
    if (Object.keys(files).length === 0 && carried.length === 0) {
      lines.push(`| ${t.folder}/ | — | — | — | — | — | not run | — |`);
      continue;
    }
    const add = (a: { killed: number; total: number }, b: { killed: number; total: number }) => ({
      killed: a.killed + b.killed,
      total: a.total + b.total,
    });
    const carriedSum = carried.reduce((sum, [, f]) => add(sum, f), { killed: 0, total: 0 });
    const s = add(scoreOf(Object.values(files).flatMap((f) => f.mutants)), carriedSum);
    const percent = (x: { killed: number; total: number }) => (x.total === 0 ? 100 : (100 * x.killed) / x.total).toFixed(1);
    const b = t.before ? add(scoreOf(Object.values(t.before.files).flatMap((f) => f.mutants)), carriedSum) : undefined;
    const onlyCarried = Object.keys(files).length === 0;
    const beforeCell = b ? `${percent(b)} % (${b.killed}/${b.total})` : onlyCarried && old ? old.before : '—';
    const runLines = t.runs.map(runLine);
    const oldRuns = carried.length > 0 ? (old?.runs ?? []) : [];
    const commits = [...new Set([...(carried.length > 0 ? (old?.commits ?? []) : []), ...t.runs.map((r) => short(r.commit))])];
    const fileCount = Object.keys(files).length + carried.length;
    lines.push(
      `| ${t.folder}/ | ${commits.map((c) => `\`${c}\``).join(', ')} | ${fileCount} | ${s.total} | ${s.killed} | ${s.total - s.killed} | ${percent(s)} % | ${beforeCell} |`,
    );
    details.push('', `**${t.folder}/**`, '');
    details.push(...new Set([...oldRuns, ...runLines]));
    if (carried.length > 0) {
      details.push(
        `- carried from the block as it was (this checkout has no report of them): ${carried.map(([file]) => `\`${file}\``).join(', ')}`,
      );
    }
    details.push('');
    for (const [file, f] of Object.entries(files)) {
      const fs = scoreOf(f.mutants);
      details.push(`- \`${file}\`: ${fs.killed} of ${fs.total} killed (${fs.percent.toFixed(1)} %)`);
    }
    for (const [, f] of carried) details.push(f.line);
    const survivors = [
      ...(t.report ? survivorsOf(t.report).map(survivorLine) : []),
      ...carried.flatMap(([file]) => old?.survivors.get(file) ?? []),
    ];
    details.push('', survivors.length === 0 ? 'No survivors.' : 'Survivors:', '', ...survivors);
  }
  return [...lines, ...details].join('\n');
}

/** What one run covered, as the block says it. */
function runLine(r: RunMeta): string {
  const perMutant = r.tested === 0 ? '' : `, ${(r.seconds / r.tested).toFixed(1)} s per tested mutant`;
  return (
    `- part \`${r.part}\` at \`${short(r.commit)}\`: \`--mutate ${r.mutate}\`, tests \`MTA_MUTATION_TESTS=${r.tests}\`; ` +
    `${r.tested} mutants run (others reused from the incremental file or without a test reaching them), ` +
    `${Math.round(r.seconds)} s wall` +
    // A stopped run's test runner is not waited for, so its CPU is not counted.
    (r.finished === 'complete' ? `, ${Math.round(r.cpuSeconds)} s CPU` : '') +
    perMutant +
    (r.uncommitted.length > 0 ? `; uncommitted changes in ${r.uncommitted.join(', ')}` : '') +
    (r.finished === 'complete' ? '' : `; **${r.finished}**: only the mutants it finished count`)
  );
}

const START = '<!-- mutation:start -->';
const END = '<!-- mutation:end -->';

/** The block's text between its markers, as it is now. */
export function currentBlock(doc: string): string {
  const text = readFileSync(doc, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  return from < 0 || to < from ? '' : text.slice(from + START.length, to);
}

export function writeSection(doc: string, body: string): void {
  const text = readFileSync(doc, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${doc} has no ${START} … ${END} block`);
  writeFileSync(doc, `${text.slice(0, from + START.length)}\n${body}\n${text.slice(to)}`);
}

/** The commits the block records per folder (the diff mode's base). */
export function recordedCommits(doc: string): Record<string, string> {
  const text = readFileSync(doc, 'utf8');
  const block = text.slice(text.indexOf(START), text.indexOf(END));
  const found: Record<string, string> = {};
  for (const m of block.matchAll(/^\| ([\w/]+)\/ \| `([0-9a-f]{7,40})`/gm)) found[m[1] ?? ''] = m[2] ?? '';
  return found;
}
