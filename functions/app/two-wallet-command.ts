/**
 * The command handler's two-wallet path (a transfer, an offer accepted): each wallet's command is
 * decided against that wallet's exact state (lane 0 up to the head read first, plus its credit
 * lanes), and both wallets' events are appended in ONE transaction conditioned on both lane-0
 * heads (EventStore.appendTogether). If either head moved, nothing is written and both are read
 * and decided again, a bounded number of times, with a jittered pause between attempts.
 *
 * No deadlock is possible: nothing is locked. A traditional design locks wallet A then B while
 * another request locks B then A, and each waits for the other; here a request holds nothing
 * while it decides, and the store applies or cancels the whole transaction at once, so a lost
 * race is a cancelled attempt (retried), never a wait. Some request always wins each round.
 */
import { isDomainError } from '#domain/errors.ts';
import { foldWallet, type RecordedEvent, type WalletCommand, type WalletState } from '#domain/wallet.ts';
import {
  type EventStore,
  isVersionConflict,
  type NewEvent,
  type StreamHead,
  type VersionConflictError,
} from '#ports/event-store.ts';
import type { IndexChange } from '#ports/trading-index.ts';
import { decideInTurn, exactState } from './exact-state.ts';
import { commitTwoInGroup, twoGroupOn } from './group-commit-two.ts';
import { legacyReplay, priorUse } from './idempotency.ts';
import {
  defaultRetryPolicy,
  type RetryPolicy,
  TWO_WALLET_ATTEMPTS_MAX,
  twoWalletBackoffMs,
} from './placement.ts';
import {
  appendIndexOf,
  outOfAttempts,
  refusal,
  type TwoWalletOutcome,
  type TwoWalletWrite,
} from './write-outcome.ts';

export { TWO_WALLET_ATTEMPTS_MAX } from './placement.ts';
export type { TwoWalletOutcome, TwoWalletWrite, WalletPart } from './write-outcome.ts';

export interface TwoWalletDeps {
  store: EventStore;
  retry?: RetryPolicy;
  /** As CommandHandlerDeps.groupCommit: concurrent two-wallet commands in this process share a transaction. */
  groupCommit?: boolean;
}

export async function handleTwoWalletCommand<C extends WalletCommand>(
  deps: TwoWalletDeps,
  write: TwoWalletWrite<C>,
): Promise<TwoWalletOutcome> {
  if (write.wallets[0].walletId === write.wallets[1].walletId) {
    throw new Error('handleTwoWalletCommand: two distinct wallets');
  }
  if (write.idempotency && !write.respond) {
    throw new Error('handleTwoWalletCommand: an idempotent write stores a response: pass respond');
  }
  if (twoGroupOn(deps)) {
    // In a batch the key is checked where it is written: its create-only item in the batch's
    // transaction (a used one answers from its record, and the rest are decided again without
    // it), and before any answer that writes nothing (refusal()). Only the pre-namespace item
    // the transaction does not guard is read first. A command run alone reads its key first.
    const legacy = await legacyReplay(deps.store, write.idempotency);
    if (legacy) return legacy;
    // Read: not again where the key is checked (priorUse, alone or in a batch), as ingest's batch does.
    const { idempotency } = write;
    const read =
      idempotency === undefined
        ? write
        : { ...write, idempotency: { ...idempotency, legacyKey: idempotency.key } };
    return commitTwoInGroup(deps, read, handleTwoKeyed);
  }
  return handleTwoKeyed(deps, write);
}

/** A key used before answers as it did, then the command alone. */
async function handleTwoKeyed<C extends WalletCommand>(
  deps: TwoWalletDeps,
  write: TwoWalletWrite<C>,
): Promise<TwoWalletOutcome> {
  // Before anything is decided: the funds the original request spent are gone, so deciding
  // again would refuse what already succeeded.
  const used = write.idempotency && (await priorUse(deps.store, write.idempotency));
  if (used) return used;
  return handleTwoAlone(deps, write);
}

/** One two-wallet command on its own: read both, decide, append together; on a lost race again. */
export async function handleTwoAlone<C extends WalletCommand>(
  deps: TwoWalletDeps,
  write: TwoWalletWrite<C>,
): Promise<TwoWalletOutcome> {
  const retry = deps.retry ?? defaultRetryPolicy;
  let conflicts = 0;
  let lastConflict: VersionConflictError | undefined;
  for (let attempt = 0; attempt < TWO_WALLET_ATTEMPTS_MAX; attempt++) {
    const read = await Promise.all(
      write.wallets.map((part) => exactState(deps.store, part.walletId, foldWallet)),
    );
    const decided: { walletId: string; expected: StreamHead; events: NewEvent[] }[] = [];
    const indexChanges: IndexChange[] = [];
    for (const [index, part] of write.wallets.entries()) {
      const { head, state } = read[index] as { head: StreamHead; state: WalletState };
      const commands = part.command(state);
      if (isDomainError(commands)) return refusal(deps.store, write.idempotency, commands);
      const events = decideInTurn(
        part.walletId,
        head,
        state,
        commands,
        write.stamp,
        write.decide,
        foldWallet,
      );
      if (isDomainError(events)) return refusal(deps.store, write.idempotency, events);
      decided.push({ walletId: part.walletId, expected: head, events });
      indexChanges.push(...appendIndexOf(part.walletId, state, 0, head.version, events, write.indexes));
    }
    const empty = decided.filter((part) => part.events.length === 0).length;
    if (empty === decided.length) return { kind: 'unchanged' };
    if (empty > 0) throw new Error('handleTwoWalletCommand: one wallet decided events, the other none');
    const recorded = decided.map(({ walletId, expected, events }) =>
      events.map((event, index) => ({
        ...event,
        walletId,
        lane: 0,
        version: expected.version + 1 + index,
        ...(write.idempotency
          ? { idempotencyKey: write.idempotency.reference ?? write.idempotency.key }
          : {}),
      })),
    ) as [RecordedEvent[], RecordedEvent[]];
    const response = write.respond?.(recorded);
    try {
      const outcome = await deps.store.appendTogether({
        appends: decided,
        ...(indexChanges.length > 0 ? { index: indexChanges } : {}),
        ...(write.idempotency && response ? { idempotency: { ...write.idempotency, response } } : {}),
      });
      switch (outcome.kind) {
        case 'appended':
          return {
            kind: 'recorded',
            events: [outcome.appended[0]?.events ?? [], outcome.appended[1]?.events ?? []],
            ...(response ? { response } : {}),
            conflicts,
          };
        case 'duplicate':
          return { kind: 'replayed', response: outcome.record.response };
        case 'key-reused':
          return { kind: 'key-reused' };
      }
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      conflicts++;
      lastConflict = error;
      await retry.sleep(twoWalletBackoffMs(retry, attempt));
    }
  }
  return outOfAttempts(deps.store, write.idempotency, conflicts, lastConflict, 'handleTwoWalletCommand');
}
