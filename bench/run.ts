/**
 * `npm run bench`: runs every configuration of `configs.ts` in its own Node process (compiled JS,
 * as users run the library), prints the tables and writes them to docs/benchmarks.md.
 *
 *   npm run bench                      # everything (at most 8 minutes on 2 cores)
 *   npm run bench -- --only speed      # groups whose name starts with a prefix (speed, memory, scale)
 *   npm run bench -- --no-write        # print only
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { allConfigs } from './configs.js';
import type { BenchConfig } from './configs.js';
import { renderReport } from './report.js';
import { sdkSectionOf } from './sdkSection.js';
import { markedSectionOf } from './markedSection.js';
import type { BenchResult, RunInfo } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: this file runs from dist/.bench/bench/. */
const root = join(here, '..', '..', '..');

function runConfig(config: BenchConfig): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const before = loadavg()[0]!;
    const child = spawn(process.execPath, [...config.nodeFlags, join(here, 'worker.js'), config.impl, config.transport, config.group], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) return reject(new Error(`exit code ${code}`));
      const parsed = JSON.parse(line.slice('BENCH_RESULT '.length)) as Omit<BenchResult, 'load'>;
      resolve({ ...parsed, load: [before, loadavg()[0]!] });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      // Re-renders the page from the last run's raw results (for work on the report itself).
      'report-only': { type: 'boolean', default: false },
    },
  });
  const rawPath = join(here, '..', 'results.json');
  if (values['report-only']) {
    const saved = JSON.parse(readFileSync(rawPath, 'utf8')) as { results: BenchResult[]; info: RunInfo };
    process.stdout.write(`${renderReport(saved.results, saved.info)}\n`);
    return;
  }
  const prefixes = values.only?.split(',');
  const configs = allConfigs().filter((c) => !prefixes || prefixes.some((p) => c.group.startsWith(p)));
  const started = performance.now();
  const results: BenchResult[] = [];
  const failed: RunInfo['failed'] = [];
  for (const [index, config] of configs.entries()) {
    process.stderr.write(`[${index + 1}/${configs.length}] ${config.impl} / ${config.transport} / ${config.group} … `);
    try {
      const result = await runConfig(config);
      results.push(result);
      process.stderr.write(`${result.seconds.toFixed(1)} s (CPU ${result.cpuSeconds?.toFixed(1) ?? '?'} s)\n`);
    } catch (error) {
      failed.push({ config, error: String(error) });
      process.stderr.write(`failed: ${String(error)}\n`);
    }
  }
  const info: RunInfo = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    totalSeconds: (performance.now() - started) / 1000,
    failed,
  };
  writeFileSync(rawPath, JSON.stringify({ results, info }, null, 2));
  const report = renderReport(results, info);
  process.stdout.write(`\n${report}\n`);
  if (!values['no-write']) {
    const path = join(root, 'docs', 'benchmarks.md');
    // The bench:sdk section is written by its own script: carried over, not lost.
    const page = readFileSync(path, 'utf8');
    // So are bench/inputLatency.ts's sections (bench:input, bench:input-redis).
    const kept = [sdkSectionOf(page), markedSectionOf(page, 'bench:input'), markedSectionOf(page, 'bench:input-redis')].filter(
      (k) => k !== undefined,
    );
    writeFileSync(path, kept.length === 0 ? `${report}\n` : `${report}\n\n${kept.join('\n\n')}\n`);
    process.stderr.write(`written to ${path}\n`);
  }
  if (failed.length > 0) process.exitCode = 1;
}

void main();
