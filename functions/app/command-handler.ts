/**
 * The command handler (Emmett's CommandHandler): the one place a wallet command becomes stored
 * events. It loads the state, asks the decider, appends at the expected version, and on a
 * version conflict, only then, decides again, a bounded number of times.
 *
 * Where a command goes depends on whether its events commute with the wallet's others:
 * - `any-lane` (credits: deposits, facts and their points): decided without state (the decider
 *   needs none for them, so nothing is read), appended to whichever lane is free; see `anyLane`.
 * - `lane-0` (decided against exact state: corrections, rule applications; debits and holds
 *   next): the whole log is read and folded, and the append is conditioned on lane 0's head;
 *   a lost race reads again and decides again.
 *
 * Commands on the same wallet and placement inside one process commit together (group-commit.ts):
 * while one transaction is in flight, the next commands wait and go in the next one. A use case
 * whose commands never do calls command-alone.ts `handleCommandAlone` instead.
 */

import type { WalletCommand } from '#domain/wallet.ts';
import { handleAlone, handleCommandWith } from './command-alone.ts';
import { commitInGroup, groupCommitOn } from './group-commit.ts';
import type { CommandHandlerDeps, WalletWrite, WriteOutcome } from './write-outcome.ts';

export { handleAlone, handleCommandAlone } from './command-alone.ts';
export {
  defaultRetryPolicy,
  LANE0_ATTEMPTS_MAX,
  type RetryPolicy,
} from './placement.ts';
export { type CommandHandlerDeps, refusal, type WalletWrite, type WriteOutcome } from './write-outcome.ts';

export const handleCommand = <C extends WalletCommand>(
  deps: CommandHandlerDeps,
  write: WalletWrite<C>,
): Promise<WriteOutcome<C>> =>
  handleCommandWith(deps, write, (deps, placed) =>
    groupCommitOn(deps) ? commitInGroup(deps, placed, handleAlone) : handleAlone(deps, placed),
  );
