/**
 * The queue of two-wallet group commit (group-commit-two.ts), what its batch path
 * (group-commit-two-batch.ts) shares with it: the waiting commands, the wallets in a transaction,
 * and running one command alone in its caller's trace.
 */
import { inCallerTrace } from './group-commit-trace.ts';
import type { AnyWrite, Deps, Waiting } from './group-commit-two-decide.ts';
import type { KnownStates } from './group-commit-two-states.ts';
import type { TwoWalletOutcome } from './write-outcome.ts';

export type TwoAlone = (deps: Deps, write: AnyWrite) => Promise<TwoWalletOutcome>;

export interface Queue {
  waiting: Waiting[];
  /** Wallets in a transaction of this process now. */
  busy: Set<string>;
  /** The states the last batches left, to decide the next on without reading (made by the first batch). */
  known?: KnownStates;
}

/** How many commands each two-wallet batch held (bench/ reads it). */
export const twoGroupStats = { batches: 0, commands: 0, largest: 0 };

/** One command through the single path, in its own caller's trace. */
export function runAlone(entry: Waiting, alone: TwoAlone): Promise<void> {
  return inCallerTrace(entry.context, () => alone(entry.deps, entry.write)).then(entry.resolve, entry.reject);
}
