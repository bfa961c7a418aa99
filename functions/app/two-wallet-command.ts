/**
 * The command handler's two-wallet path (a transfer, an offer accepted): each wallet's command is
 * decided against that wallet's exact state (lane 0 up to the head its read found, plus its credit
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
import { decideInTurn, exactState, exactStateEarly } from './exact-state.ts';
import { commitTwoInGroup, twoGroupOn } from './group-commit-two.ts';
import { checkedKey, hasLegacyKey, legacyReplay } from './idempotency.ts';
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
  unchanged,
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
  const [first, second] = write.wallets;
  if (first.walletId === second.walletId) {
    throw new Error('handleTwoWalletCommand: two distinct wallets');
  }
  const { idempotency } = write;
  if (idempotency && !write.respond) {
    throw new Error('handleTwoWalletCommand: an idempotent write stores a response: pass respond');
  }
  // A request answered before keys were scoped is answered the same, not recorded again. The
  // scoped key is not read first, alone or in a batch: the transaction's create-only key item
  // answers a used one from its record, and an answer that writes nothing checks it first
  // (refusal(), group-commit-two-decide.ts unlessKeyUsed), so a retry whose funds the first try
  // spent hears that answer, not a refusal. A wallet this instance has no state of is read with
  // the legacy look-up: one wait before the append, not two.
  const firstStates = hasLegacyKey(idempotency)
    ? ([
        exactStateEarly(deps.store, first.walletId, foldWallet),
        exactStateEarly(deps.store, second.walletId, foldWallet),
      ] as const)
    : undefined;
  const legacy = await legacyReplay(deps.store, idempotency);
  if (legacy) return legacy;
  const checked = {
    ...write,
    ...(idempotency === undefined ? {} : { idempotency: checkedKey(idempotency) }),
    ...(firstStates === undefined ? {} : { firstStates }),
  };
  return twoGroupOn(deps) ? commitTwoInGroup(deps, checked, handleTwoAlone) : handleTwoAlone(deps, checked);
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
    // The states sent with the key's look-up serve the first attempt; later ones read again.
    const read = await Promise.all(
      write.wallets.map(
        (part, index) => write.firstStates?.[index]?.() ?? exactState(deps.store, part.walletId, foldWallet),
      ),
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
    if (empty === decided.length) return unchanged(deps.store, write.idempotency);
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
