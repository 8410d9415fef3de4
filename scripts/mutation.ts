/**
 * `npm run test:mutation`: StrykerJS (stryker.config.json, vitest.mutation.config.ts) over each
 * target folder with that folder's focused tests, then the score per folder, what each run covered
 * (commit, files, ranges) and every survivor (with why it is accepted, from
 * scripts/mutationAccepted.ts) written into docs/testing.md between `<!-- mutation:start -->` and
 * `<!-- mutation:end -->`. Never edit that block by hand.
 *
 * - `--target machines|engine`: one folder (default: both, one after the other); the block keeps the
 *   other folder's last results (reports/mutation/<target>.json and .meta.json).
 * - `--mutate <globs>`: narrow the target's files (Stryker's syntax, `file.ts:10-40` for a range).
 * - `--budget <seconds>`: stop Stryker after this long; the mutants it finished count and the block
 *   says the run stopped (scripts/mutationLog.js logs each mutant as it is tested).
 * - `--force`: ignore the incremental file (every mutant runs again; by default Stryker's
 *   incremental mode reruns only mutants whose code or covering tests changed since the last run).
 * - `--before <dir>`: add the score of `<dir>/<target>.json` (a copy of an earlier report, e.g.
 *   before the tests added for survivors) to the block.
 * - `--survivors`: rerun only the lines of each part's live mutants (after tests were added for them),
 *   adding to its results; `--tests <set>` runs another set of vitest.mutation.config.ts (e.g.
 *   `added`, the new tests): a rerun can only kill more, so a smaller set is sound there.
 * - `--report-only`: rewrite the block from the last results without running Stryker.
 * - `--diff [base]`: the lines of machines/ and src/engine changed since `base` (default: the
 *   commit the block records for that folder), at most `MTA_MUTATION_DIFF_LINES` (60) lines, taken
 *   in file order; fails on a survivor scripts/mutationAccepted.ts does not explain. Leaves the
 *   block alone (a partial run). With `--target machines|engine` one folder; with `--budget <s>`
 *   it stops after that many seconds in all, judges the mutants it finished and names the rest
 *   as not tested (CI runs `--target machines --budget 240`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseBlock } from './mutationCarried.js';
import {
  currentBlock,
  mergeReports,
  readResults,
  recordedCommits,
  section,
  survivorLine,
  survivorsOf,
  writeSection,
} from './mutationReport.js';
import type { RunMeta, TargetResult } from './mutationReport.js';

const DOC = 'docs/testing.md';
const DIR = 'reports/mutation';

/** One Stryker run: some files and the test set that judges them (vitest.mutation.config.ts). */
interface Part {
  mutate: string[];
  tests: string;
}
interface Target {
  folder: string;
  parts: Record<string, Part>;
}
const TARGETS: Record<string, Target> = {
  machines: {
    folder: 'machines',
    // Their definitions run at import, so each mutant runs every test of its set: one small set each.
    parts: {
      task: { mutate: ['machines/task.ts'], tests: 'task' },
      root: { mutate: ['machines/taskSupervisor.ts', 'machines/TaskActor.ts', 'machines/taskSupport.ts'], tests: 'root' },
      clientTask: { mutate: ['machines/clientTask.ts'], tests: 'clientTask' },
    },
  },
  engine: {
    folder: 'src/engine',
    parts: {
      // ClusterLink, FrontLink and WorkerLink only run with Redis (the redis projects' tests): not here.
      engine: {
        mutate: ['src/engine/**/*.ts', '!src/engine/ClusterLink.ts', '!src/engine/FrontLink.ts', '!src/engine/WorkerLink.ts'],
        tests: 'engine',
      },
    },
  },
};

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const next = args[i + 1];
  return next && !next.startsWith('--') ? next : '';
};
const git = (...a: string[]) => execFileSync('git', a, { encoding: 'utf8' }).trim();
const paths = (name: string) => ({
  report: `${DIR}/${name}.json`,
  meta: `${DIR}/${name}.meta.json`,
  log: `${DIR}/${name}.log.jsonl`,
});

/** The runs a part's results come from (its full run, then any narrowed reruns). */
function runsOf(metaPath: string): RunMeta[] {
  if (!existsSync(metaPath)) return [];
  const parsed = JSON.parse(readFileSync(metaPath, 'utf8')) as RunMeta | RunMeta[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** Children's CPU seconds so far (Linux: cutime + cstime of /proc/self/stat, in clock ticks). */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface RunOptions {
  mutate: string;
  /** Only some of the part's files or lines: adds to its results instead of replacing them. */
  narrowed: boolean;
  incremental: boolean;
  budgetSeconds: number | undefined;
}

/** One Stryker run of one part; its results land in reports/mutation/<part>.*. */
async function runStryker(name: string, folder: string, part: Part, options: RunOptions): Promise<RunMeta> {
  const { mutate, incremental, budgetSeconds, narrowed } = options;
  const p = paths(name);
  mkdirSync(DIR, { recursive: true });
  // A full run starts the part's results afresh; a narrowed one (`--mutate`) adds to them.
  if (!narrowed) for (const file of [p.log, p.report, p.meta]) rmSync(file, { force: true });
  // The incremental file is also the final report; a run that does not end leaves only the log.
  const incrementalFile = `${DIR}/${name}.incremental.json`;
  const commit = git('rev-parse', 'HEAD');
  const uncommitted = git('status', '--porcelain', '--', folder)
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
  const loggedBefore = existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').length - 1 : 0;
  const cpuBefore = childCpuSeconds();
  const started = Date.now();
  const incrementalArgs = incremental ? ['--incremental', '--incrementalFile', incrementalFile] : [];
  const child = spawn('npx', ['stryker', 'run', '--mutate', mutate, '--tempDirName', `.stryker-tmp-${name}`, ...incrementalArgs], {
    stdio: 'inherit',
    env: { ...process.env, MTA_MUTATION_TESTS: part.tests, MTA_MUTATION_LOG: p.log },
    detached: true,
  });
  let stopped = false;
  const timer =
    budgetSeconds === undefined
      ? undefined
      : setTimeout(() => {
          stopped = true;
          // Stryker and its test runner are one process group (detached): stop exactly that group.
          if (child.pid) process.kill(-child.pid, 'SIGTERM');
        }, budgetSeconds * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (timer) clearTimeout(timer);
  // Stryker removes its sandbox only when it ends by itself: one stopped by the budget leaves a copy
  // of the repository behind, which lint and typecheck would then read.
  if (stopped) rmSync(`.stryker-tmp-${name}`, { recursive: true, force: true });
  const finished = stopped ? `stopped after the ${budgetSeconds} s budget` : code === 0 ? 'complete' : `Stryker exited with ${code}`;
  if (finished === 'complete' && incremental && !narrowed) copyFileSync(incrementalFile, p.report);
  const logged = existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').slice(loggedBefore) : [];
  const meta: RunMeta = {
    part: name,
    commit,
    uncommitted,
    mutate,
    tests: part.tests,
    seconds: (Date.now() - started) / 1000,
    cpuSeconds: childCpuSeconds() - cpuBefore,
    tested: logged.filter((l) => /"status":"(Killed|Survived|Timeout)"/.test(l)).length,
    finished,
  };
  const runs = runsOf(p.meta);
  writeFileSync(p.meta, `${JSON.stringify([...runs, meta], null, 2)}\n`);
  console.info(`test:mutation ${name}: ${finished}, ${Math.round(meta.seconds)} s wall, ${Math.round(meta.cpuSeconds)} s CPU`);
  return meta;
}

function resultsOf(target: Target, beforeDir: string | undefined): TargetResult {
  const names = Object.keys(target.parts);
  const runs = names.flatMap((name) => {
    const p = paths(name);
    return runsOf(p.meta);
  });
  const reports = names.flatMap((name) => readResults(paths(name).report, paths(name).log) ?? []);
  const before = beforeDir ? names.flatMap((name) => readResults(`${beforeDir}/${name}.json`, `${beforeDir}/${name}.log.jsonl`) ?? []) : [];
  return {
    folder: target.folder,
    report: reports.length > 0 ? mergeReports(reports) : undefined,
    runs,
    before: before.length > 0 ? mergeReports(before) : undefined,
  };
}

/** `file:line-line` of every line of the part with a live mutant (for `--survivors`). */
function survivorLines(name: string): string {
  const report = readResults(paths(name).report, paths(name).log);
  const lines = new Set(
    (report ? survivorsOf(report) : []).map(({ file, mutant }) => `${file}:${mutant.location.start.line}-${mutant.location.end.line}`),
  );
  return [...lines].join(',');
}

/** Changed line ranges per file under a folder since `base` (`git diff -U0`). */
function changedRanges(base: string, folder: string): Map<string, [number, number][]> {
  const ranges = new Map<string, [number, number][]>();
  let file = '';
  for (const line of git('diff', '-U0', '--no-color', base, 'HEAD', '--', folder).split('\n')) {
    if (line.startsWith('+++ ')) file = line.startsWith('+++ b/') ? line.slice(6) : '';
    const hunk = /^@@ -\S+ \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (!hunk || !file.endsWith('.ts')) continue;
    const start = Number(hunk[1]);
    const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
    if (count > 0) (ranges.get(file) ?? ranges.set(file, []).get(file))?.push([start, start + count - 1]);
  }
  return ranges;
}

/** The part whose globs name `file` (the diff mode mutates each changed file with its own tests). */
function partOf(target: Target, file: string): [string, Part] | undefined {
  const named = (glob: string) => glob === file || (glob.endsWith('/**/*.ts') && file.startsWith(glob.slice(0, -'**/*.ts'.length)));
  return Object.entries(target.parts).find(
    ([, part]) => part.mutate.some((g) => !g.startsWith('!') && named(g)) && !part.mutate.some((g) => g === `!${file}`),
  );
}

/**
 * The commit of each part's last full run (a `--mutate` naming whole files, no line ranges), from
 * the block's run lines ("- part `task` at `8e2f27a`: `--mutate machines/task.ts`, …").
 */
function lastFullRuns(doc: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const m of readFileSync(doc, 'utf8').matchAll(/^- part `(\w+)` at `([0-9a-f]{7,40})`: `--mutate ([^`]*)`/gm)) {
    if (!/:\d/.test(m[3] ?? '')) found[m[1] ?? ''] = m[2] ?? '';
  }
  return found;
}

async function diffMode(baseFlag: string, only: string | undefined, budgetSeconds: number | undefined): Promise<void> {
  const recorded = recordedCommits(DOC);
  const cap = Number(process.env['MTA_MUTATION_DIFF_LINES'] ?? 60);
  let left = cap;
  let unexplained = 0;
  const deadline = budgetSeconds === undefined ? undefined : Date.now() + budgetSeconds * 1000;
  const targets = only
    ? Object.entries(TARGETS)
        .filter(([name, t]) => name === only || t.folder === only)
        .map(([, t]) => t)
    : Object.values(TARGETS);
  if (targets.length === 0) throw new Error(`unknown --target ${only}: ${Object.keys(TARGETS).join(' or ')}`);
  for (const target of targets) {
    const base = baseFlag || recorded[target.folder];
    if (!base) throw new Error(`${DOC} records no commit for ${target.folder}/: pass --diff <base>`);
    const chosen = new Map<string, { part: Part; ranges: string[] }>();
    const skipped: string[] = [];
    const fullRuns = lastFullRuns(DOC);
    // Each part from its own last full run (lines changed before it were mutated there), else the folder's.
    const changed = Object.keys(target.parts).flatMap((name) => {
      const since = baseFlag || fullRuns[name] || base;
      return [...changedRanges(since, target.folder)].filter(([file]) => partOf(target, file)?.[0] === name);
    });
    for (const [file, ranges] of changed) {
      const owner = partOf(target, file);
      if (!owner || !existsSync(file)) continue;
      for (const [from, to] of ranges) {
        const take = Math.min(to - from + 1, left);
        if (take > 0) {
          const entry = chosen.get(owner[0]) ?? chosen.set(owner[0], { part: owner[1], ranges: [] }).get(owner[0]);
          entry?.ranges.push(`${file}:${from}-${from + take - 1}`);
        }
        if (take < to - from + 1) skipped.push(`${file}:${from + take}-${to}`);
        left -= take;
      }
    }
    if (skipped.length > 0) console.warn(`test:mutation --diff: over the ${cap}-line cap, not mutated: ${skipped.join(', ')}`);
    if (chosen.size === 0) console.info(`test:mutation --diff: no mutated line of ${target.folder}/ changed since ${base}`);
    for (const [name, { part, ranges }] of chosen) {
      console.info(`test:mutation --diff ${target.folder}/ since ${base}: ${ranges.join(', ')}`);
      const remaining = deadline === undefined ? undefined : Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (remaining === 0) {
        console.warn(`test:mutation --diff ${name}: not run, the ${budgetSeconds} s budget is spent (run it without --budget)`);
        continue;
      }
      const meta = await runStryker(`diff-${name}`, target.folder, part, {
        mutate: ranges.join(','),
        narrowed: false,
        incremental: false,
        budgetSeconds: remaining,
      });
      // Out of time (CI's budget): what finished is judged below, the rest is named, not passed off as tested.
      if (meta.finished.startsWith('stopped after')) {
        console.warn(
          `test:mutation --diff ${name}: ${meta.finished}; ${meta.tested} mutant(s) tested, the rest not (run it without --budget)`,
        );
      } else if (meta.finished !== 'complete') {
        console.error(`test:mutation --diff ${name}: ${meta.finished}`);
        process.exit(1);
      }
      const report = readResults(paths(`diff-${name}`).report, paths(`diff-${name}`).log);
      for (const s of report ? survivorsOf(report) : []) {
        console.info(survivorLine(s));
        if (!s.accepted) unexplained += 1;
      }
    }
  }
  if (unexplained > 0) {
    console.error(`${unexplained} survivor(s) not explained in scripts/mutationAccepted.ts: kill them with a test or explain them`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const diff = flag('--diff');
  const only = flag('--target');
  if (diff !== undefined) return diffMode(diff, only || undefined, flag('--budget') ? Number(flag('--budget')) : undefined);
  const allParts = Object.values(TARGETS).flatMap((t) => Object.entries(t.parts).map(([name, part]) => ({ name, part, folder: t.folder })));
  const chosen = only ? allParts.filter(({ name, folder }) => only === name || TARGETS[only]?.folder === folder) : allParts;
  if (chosen.length === 0) throw new Error(`unknown --target ${only}: a folder (${Object.keys(TARGETS).join(', ')}) or a part`);
  if (flag('--report-only') === undefined) {
    const budget = flag('--budget');
    for (const { name, part, folder } of chosen) {
      const tests = flag('--tests');
      const survivors = flag('--survivors') !== undefined ? survivorLines(name) : undefined;
      if (survivors === '') continue;
      await runStryker(name, folder, tests ? { ...part, tests } : part, {
        mutate: survivors ?? (flag('--mutate') || part.mutate.join(',')),
        narrowed: Boolean(survivors ?? flag('--mutate')),
        incremental: flag('--force') === undefined && !(survivors ?? flag('--mutate')),
        budgetSeconds: budget ? Number(budget) : undefined,
      });
    }
  }
  const beforeDir = flag('--before') || undefined;
  writeSection(
    DOC,
    section(
      Object.values(TARGETS).map((t) => resultsOf(t, beforeDir)),
      parseBlock(currentBlock(DOC)),
    ),
  );
  console.info(`mutation score written to ${DOC}`);
}

await main();
