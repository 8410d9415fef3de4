/**
 * Surviving mutants that are equivalent (no test can tell them apart from the original) or
 * accepted, each with why. `npm run test:mutation` lists every survivor in docs/testing.md with the
 * reason found here, and marks a survivor without one as not yet explained (the diff mode fails on
 * it). A survivor is matched by file, mutator and the mutated code, not by line, so edits elsewhere
 * in the file keep the match.
 */
export interface AcceptedSurvivor {
  file: string;
  mutator: string;
  /** The replacement Stryker made, exactly as in its report. */
  replacement: string;
  why: string;
}

export const ACCEPTED_SURVIVORS: readonly AcceptedSurvivor[] = [];
