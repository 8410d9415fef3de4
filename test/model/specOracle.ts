/**
 * The spec's own status rules for a task (MCP 2025-11-25, "Tasks"), written once as a table and
 * checked against every status sequence a test observes: `tasks/get` answers, status
 * notifications, the real task actor's snapshots, the model's snapshots. Nothing here is read from
 * a machine, so a machine that drifts from the spec fails even where the engine agrees with it.
 */

/** The five task statuses of the spec. */
export type SpecStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** What a client can observe of a task: one of the statuses, or `gone` (deleted after its ttl: -32602). */
export type ObservedStatus = SpecStatus | 'gone';

/** Where a sequence of observations comes from; notifications are moves, the others are looks. */
export type ObservationSource = 'notification' | 'tasks/get' | 'actor' | 'model';

/** One observation of a task's status. */
export interface Observation {
  status: ObservedStatus;
  /** Input requests the task had asked and not yet had answered at that moment, when known. */
  outstanding?: number;
  /** Whether the observed actor had stopped (`snapshot.status === 'done'`), for actor and model snapshots. */
  done?: boolean;
}

/** The rules: a task starts `working`; from each status, the statuses it may move to next. */
export const SPEC_TASK_RULES = {
  initial: 'working',
  /** Terminal statuses never change. */
  terminal: ['completed', 'failed', 'cancelled'],
  /** Allowed next statuses; a non-terminal status may repeat (a new statusMessage is a notification of the same status). */
  moves: {
    working: ['working', 'input_required', 'completed', 'failed', 'cancelled'],
    input_required: ['input_required', 'working', 'completed', 'failed', 'cancelled'],
    completed: [],
    failed: [],
    cancelled: [],
  },
} as const satisfies {
  initial: SpecStatus;
  terminal: readonly SpecStatus[];
  moves: Record<SpecStatus, readonly SpecStatus[]>;
};

/** Whether the spec says a task in `status` never changes again. */
export function isTerminalStatus(status: ObservedStatus): boolean {
  return status === 'gone' || (SPEC_TASK_RULES.terminal as readonly string[]).includes(status);
}

const SPEC_STATUSES = Object.keys(SPEC_TASK_RULES.moves);

/**
 * Every way `sequence` breaks the spec's rules (empty when it keeps them). A sequence of looks
 * (`tasks/get`, snapshots) may see the same status twice without a move in between; a sequence of
 * notifications may not announce a terminal status twice. `fromCreation`: the first observation is
 * the task's first status, which must be `working`. `received`: everything a requestor got from a
 * receiver (CreateTaskResult, `tasks/get`, notifications) in arrival order, each read as a look.
 */
export function specViolations(source: ObservationSource | 'received', sequence: readonly Observation[], fromCreation = true): string[] {
  const violations: string[] = [];
  const at = (i: number) => `${source} #${i + 1} (${sequence.map((o) => o.status).join(' → ')})`;
  sequence.forEach((o, i) => {
    if (o.status !== 'gone' && !SPEC_STATUSES.includes(o.status)) violations.push(`${at(i)}: '${o.status}' is not a spec status`);
    if (o.status === 'input_required' && o.outstanding === 0) {
      violations.push(`${at(i)}: input_required while no input request is outstanding`);
    }
    if (o.done === false && isTerminalStatus(o.status)) {
      violations.push(`${at(i)}: ${o.status} is terminal, but the actor is still running and can change it`);
    }
    if (i === 0) {
      if (fromCreation && o.status !== SPEC_TASK_RULES.initial) violations.push(`${at(i)}: a task starts working, not ${o.status}`);
      return;
    }
    const previous = sequence[i - 1]!.status;
    const isLook = source !== 'notification';
    if (isLook && previous === o.status) return;
    if (previous === 'gone') {
      violations.push(`${at(i)}: ${o.status} after the task was gone`);
    } else if (o.status !== 'gone' && !(SPEC_TASK_RULES.moves[previous] as readonly string[]).includes(o.status)) {
      violations.push(
        isTerminalStatus(previous)
          ? `${at(i)}: ${previous} → ${o.status}, but a terminal status never changes`
          : `${at(i)}: ${previous} → ${o.status} is not an allowed move`,
      );
    }
  });
  return violations;
}

/** The spec status a machine leaf state stands for, by name (`expired` is the deletion): no machine is read. */
export function statusOfLeaf(leaf: string): ObservedStatus {
  return leaf === 'expired' ? 'gone' : (leaf as SpecStatus);
}
