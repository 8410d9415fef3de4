/**
 * `npm run test:mutation`: StrykerJS (stryker.config.json, vitest.mutation.config.ts) over
 * machines/, src/engine, src/session and src/protocol, then the score per folder and every
 * survivor (with why it is accepted, from scripts/mutationAccepted.ts) written into
 * docs/testing.md between `<!-- mutation:start -->` and `<!-- mutation:end -->`.
 *
 * - `--mutate <globs>`: only these files (comma-separated, Stryker's syntax); the report says so.
 * - `--diff [base]`: only the files under mutation that differ from `base` (default `main`), as
 *   `git diff --name-only base...HEAD` lists them; nothing to do if none. Fails on a survivor that
 *   scripts/mutationAccepted.ts does not explain. Does not touch the docs (a partial run).
 * - `--report-only`: rewrite the docs from the last report without running Stryker;
 *   `--reports a.json,b.json` merges the reports of several partial runs (disjoint `--mutate`
 *   ranges, or a rerun of some mutants after new tests), `--scope` says what they covered,
 *   `--before a.json,…` adds the score of the reports from before the tests added for survivors.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { ACCEPTED_SURVIVORS } from './mutationAccepted.js';

const REPORT = 'reports/mutation/mutation.json';
const DOC = 'docs/testing.md';
const FOLDERS = ['machines', 'src/engine', 'src/session', 'src/protocol'];

interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const next = args[i + 1];
  return next && !next.startsWith('--') ? next : '';
};

function inScope(file: string): boolean {
  return file.endsWith('.ts') && FOLDERS.some((f) => file.startsWith(`${f}/`)) && !/\/index\.ts$/.test(file);
}

function runStryker(mutate: string | undefined): void {
  const result = spawnSync('npx', ['stryker', 'run', ...(mutate ? ['--mutate', mutate] : [])], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const scoreOf = (mutants: readonly Mutant[]) => {
  const killed = mutants.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
  const live = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage').length;
  return { killed, live, total: killed + live, percent: killed + live === 0 ? 100 : (100 * killed) / (killed + live) };
};

function survivorsOf(report: Report) {
  return Object.entries(report.files).flatMap(([file, { source, mutants }]) => {
    const lines = source.split('\n');
    return mutants
      .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .map((m) => ({
        file,
        mutant: m,
        accepted: ACCEPTED_SURVIVORS.find(
          (a) =>
            a.file === file &&
            a.mutator === m.mutatorName &&
            a.replacement === m.replacement &&
            (lines[m.location.start.line - 1] ?? '').includes(a.line),
        ),
      }));
  });
}

/**
 * One report from several (each file's mutants from every report that has them). A mutant that a
 * later report has again (same place, mutator and replacement: a rerun after new tests) takes the
 * later status.
 */
function mergeReports(paths: readonly string[]): Report {
  const merged: Record<string, { source: string; mutants: Map<string, Mutant> }> = {};
  for (const path of paths) {
    const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
    for (const [file, entry] of Object.entries(report.files)) {
      const into = (merged[file] ??= { source: entry.source, mutants: new Map() });
      for (const m of entry.mutants) {
        into.mutants.set(`${m.location.start.line}:${m.location.start.column}:${m.mutatorName}:${m.replacement ?? ''}`, m);
      }
    }
  }
  return {
    files: Object.fromEntries(Object.entries(merged).map(([file, e]) => [file, { source: e.source, mutants: [...e.mutants.values()] }])),
  };
}

function section(report: Report, scope: string): string {
  const lines = [
    `Latest run (${scope}), written by \`npm run test:mutation\`:`,
    '',
    '| folder | killed | survived | score |',
    '| --- | --- | --- | --- |',
  ];
  for (const folder of FOLDERS) {
    const mutants = Object.entries(report.files)
      .filter(([file]) => file.startsWith(`${folder}/`))
      .flatMap(([, f]) => f.mutants);
    if (mutants.length === 0) {
      lines.push(`| ${folder}/ | — | — | not run |`);
      continue;
    }
    const s = scoreOf(mutants);
    lines.push(`| ${folder}/ | ${s.killed} | ${s.live} | ${s.percent.toFixed(1)} % |`);
  }
  const survivors = survivorsOf(report);
  lines.push('', survivors.length === 0 ? 'No survivors.' : 'Survivors:', '');
  for (const { file, mutant, accepted } of survivors) {
    const where = `${file}:${mutant.location.start.line}`;
    const what = `${mutant.mutatorName} → \`${(mutant.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80)}\``;
    lines.push(
      `- \`${where}\` ${what}${mutant.status === 'NoCoverage' ? ' (no test covers it)' : ''}: ${accepted?.why ?? '**not yet explained**'}`,
    );
  }
  return lines.join('\n');
}

function writeSection(body: string): void {
  const text = readFileSync(DOC, 'utf8');
  const start = '<!-- mutation:start -->';
  const end = '<!-- mutation:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${DOC} has no ${start} … ${end} block`);
  writeFileSync(DOC, `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`);
}

const diffBase = flag('--diff');
if (diffBase !== undefined) {
  const base = diffBase || 'main';
  const changed = execFileSync('git', ['diff', '--name-only', `${base}...HEAD`], { encoding: 'utf8' })
    .split('\n')
    .filter(inScope);
  if (changed.length === 0) {
    console.info(`test:mutation --diff: no file under mutation differs from ${base}`);
    process.exit(0);
  }
  runStryker(changed.join(','));
  const report = JSON.parse(readFileSync(REPORT, 'utf8')) as Report;
  const unexplained = survivorsOf(report).filter((s) => !s.accepted);
  console.info(section(report, `--diff ${base}: ${changed.join(', ')}`));
  if (unexplained.length > 0) {
    console.error(`${unexplained.length} survivor(s) not explained in scripts/mutationAccepted.ts: kill them with a test or explain them`);
    process.exit(1);
  }
} else {
  const mutate = flag('--mutate');
  if (flag('--report-only') === undefined) runStryker(mutate || undefined);
  const report = mergeReports((flag('--reports') || REPORT).split(','));
  const scope = mutate || flag('--scope') || 'machines/, src/engine, src/session, src/protocol';
  // `--before a.json,…`: the same mutants before the tests added for survivors, as a score line.
  const before = flag('--before');
  const beforeLine = before
    ? (() => {
        const s = scoreOf(Object.values(mergeReports(before.split(',')).files).flatMap((f) => f.mutants));
        return `\n\nBefore the tests added for its survivors: ${s.killed} killed, ${s.live} survived, ${s.percent.toFixed(1)} %.`;
      })()
    : '';
  writeSection(section(report, scope).replace('`npm run test:mutation`:', `\`npm run test:mutation\`:${beforeLine}`));
  console.info(`mutation score written to ${DOC}`);
}
