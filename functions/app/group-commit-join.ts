/**
 * How a write that never group-commits by itself (a correction: command-alone.ts
 * `handleCommandAlone`, so the corrections function bundles no group commit) joins its wallet's
 * lane-0 queue when this process is group-committing that wallet at that moment: `npm start` and
 * any long-lived host, where the corrections handler shares the process's event store with the
 * card and hold handlers. There, batches follow each other without a gap and each appends on the
 * state the last one left without a read, so a read-then-append alone would lose every race
 * (correction-busy-wallet.test.ts). group-commit.ts registers the join when it loads; a process
 * that never loaded it (the corrections function in AWS) has no group to join and appends alone.
 */
import type { WalletCommand } from '#domain/wallet.ts';
import type { CommandHandlerDeps, WalletWrite, WriteOutcome } from './write-outcome.ts';

type Join = (
  deps: CommandHandlerDeps,
  write: WalletWrite<WalletCommand>,
) => Promise<WriteOutcome<WalletCommand>> | undefined;

let join: Join | undefined;

/** group-commit.ts: joins a wallet's running lane-0 group (undefined when none runs for it). */
export const registerJoin = (running: Join): void => {
  join = running;
};

/**
 * The answer of the wallet's running lane-0 group in this process, or undefined: none runs (or the
 * write is not lane 0, or its deps say no group commit).
 */
export const joinRunningGroup = <C extends WalletCommand>(
  deps: CommandHandlerDeps,
  write: WalletWrite<C>,
): Promise<WriteOutcome<C>> | undefined =>
  write.placement === 'lane-0' && deps.groupCommit !== false
    ? (join?.(deps, write as unknown as WalletWrite<WalletCommand>) as Promise<WriteOutcome<C>> | undefined)
    : undefined;
