/**
 * What the docs/testing.md block already says per folder, read back so a checkout without some
 * reports (reports/mutation is gitignored: a fresh worktree has none) does not erase the results of
 * earlier runs when it writes the block. scripts/mutationReport.ts keeps, per folder, the files its
 * reports do not have, with their counts, survivor lines and the runs that scored them.
 */

/** One file's line of the block (`- \`file\`: K of T killed (P %)`). */
export interface CarriedFile {
  killed: number;
  total: number;
  line: string;
}

/** One folder of the block as it was written. */
export interface CarriedFolder {
  /** The table row's commits. */
  commits: string[];
  /** The table row's "before added tests" cell. */
  before: string;
  /** `- part …` lines: the runs the folder's results came from. */
  runs: string[];
  files: Map<string, CarriedFile>;
  /** Survivor lines per file, as written. */
  survivors: Map<string, string[]>;
}

/** The folders of an earlier block (the text between its start and end markers). */
export function parseBlock(block: string): Map<string, CarriedFolder> {
  const folders = new Map<string, CarriedFolder>();
  const lines = block.split('\n');
  for (const line of lines) {
    const row = /^\| ([\w/.-]+)\/ \| (`[^|]*`) \| [^|]* \| [^|]* \| [^|]* \| [^|]* \| [^|]* \| ([^|]*) \|$/.exec(line);
    if (!row) continue;
    const commits = [...(row[2] ?? '').matchAll(/`([0-9a-f]{7,40})`/g)].map((m) => m[1] ?? '');
    folders.set(row[1] ?? '', { commits, before: (row[3] ?? '').trim(), runs: [], files: new Map(), survivors: new Map() });
  }
  let current: CarriedFolder | undefined;
  for (const line of lines) {
    const header = /^\*\*([\w/.-]+)\/\*\*$/.exec(line);
    if (header) {
      current = folders.get(header[1] ?? '');
      continue;
    }
    if (!current) continue;
    if (line.startsWith('- part `')) {
      current.runs.push(line);
      continue;
    }
    const file = /^- `([^`:]+)`: (\d+) of (\d+) killed/.exec(line);
    if (file) {
      current.files.set(file[1] ?? '', { killed: Number(file[2]), total: Number(file[3]), line });
      continue;
    }
    const survivor = /^- `([^`:]+):\d+`/.exec(line);
    if (survivor) {
      const name = survivor[1] ?? '';
      (current.survivors.get(name) ?? current.survivors.set(name, []).get(name))?.push(line);
    }
  }
  return folders;
}
