/**
 * The spec oracle (specOracle.ts) seen from the requestor's side, written once for the client-task
 * machine. Two kinds of sequence are checked against the spec's one table:
 *
 * - **What the receiver reported**, as the follower got it: the CreateTaskResult's status, each
 *   `tasks/get` answer and each `notifications/tasks/status`, and the receiver's own store history
 *   (every status it wrote, from creation). These are the client's task, so the table applies as is.
 * - **The follow's own life** (the real actor's and the model's snapshots). The follow is a task-shaped
 *   life of the requestor: it is `working` while it waits for the CreateTaskResult (`requested`) and
 *   while it fetches a finished task's result (`retrieving`), mirrors `working` / `input_required`,
 *   and ends in one of the three terminal statuses, where it must have stopped. In `input_required`
 *   the requestor must keep a `tasks/result` open (the spec: it SHOULD call `tasks/result` on seeing
 *   `input_required`, since that is where the receiver's own requests arrive).
 *
 * Only the two follower-only state names are mapped here; every other leaf must be a spec status by
 * name, so a machine that grows a state nobody mapped fails instead of passing unseen.
 */
import { specViolations } from './specOracle.js';
import type { Observation, ObservedStatus, SpecStatus } from './specOracle.js';

/** The follower-only states and the status of the follow while it is in them. */
const FOLLOWER_STATES: Record<string, SpecStatus> = { requested: 'working', retrieving: 'working' };
const SPEC_NAMES: readonly string[] = ['working', 'input_required', 'completed', 'failed', 'cancelled'];

/** One look at the follow: its leaf state, whether its actor stopped, and how many `tasks/result` it had open. */
export interface FollowLook {
  leaf: string;
  done: boolean;
  openResults: number;
}

/** The follow's status for a leaf state of the client-task machine. */
export function followStatusOf(leaf: string): ObservedStatus {
  const status = FOLLOWER_STATES[leaf] ?? (SPEC_NAMES.includes(leaf) ? (leaf as SpecStatus) : undefined);
  if (status === undefined) throw new Error(`the client-task view has no spec status for the state '${leaf}'`);
  return status;
}

/** Every way the follow's life (one look per step) breaks the spec's rules, as seen by `source`. */
export function followViolations(source: 'actor' | 'model', looks: readonly FollowLook[]): string[] {
  const observations: Observation[] = looks.map((l) => ({ status: followStatusOf(l.leaf), done: l.done }));
  const violations = specViolations(source, observations);
  looks.forEach((l, i) => {
    if (l.leaf === 'input_required' && l.openResults === 0) {
      violations.push(`${source} #${i + 1}: input_required, but the requestor has no tasks/result open for the client's task`);
    }
  });
  return violations;
}

/** What the follower received from the receiver about its task, and what the receiver wrote itself. */
export interface ReceiverReports {
  /** The CreateTaskResult's status, if one came. */
  created?: SpecStatus;
  /** Every report in arrival order (the CreateTaskResult first). */
  received: { via: 'created' | 'tasks/get' | 'notification'; status: ObservedStatus }[];
  /** Every status the receiver's store held, from creation on. */
  history: SpecStatus[];
}

/** Every way the receiver's reports, and the receiver's own history, break the spec's rules. */
export function reportViolations(reports: ReceiverReports): string[] {
  const received = reports.received.map((r) => ({ status: r.status }));
  const notifications = reports.received.filter((r) => r.via === 'notification').map((r) => ({ status: r.status }));
  return [
    // A CreateTaskResult is a look taken when the receiver answered: its task may have moved on from `working`.
    ...specViolations('received', received, false),
    // Notifications are moves, continuing from the CreateTaskResult's status.
    ...(reports.created === undefined ? [] : specViolations('notification', [{ status: reports.created }, ...notifications], false)),
    // The receiver's store: created `working`, then every status it was moved to.
    ...specViolations(
      'notification',
      reports.history.map((status) => ({ status })),
    ),
  ];
}
