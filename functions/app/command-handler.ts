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
 * while one transaction is in flight, the next commands wait and go in the next one.
 */

import { isDomainError } from '#domain/errors.ts';
import type { WalletCommand } from '#domain/wallet.ts';
import { isVersionConflict, type VersionConflictError } from '#ports/event-store.ts';
import { commitInGroup, groupCommitOn } from './group-commit.ts';
import { hasLegacyKey, legacyReplay } from './idempotency.ts';
import { firstReadEarly, type Position, placementOf } from './placement.ts';
import {
  appendIndexOf,
  type CommandHandlerDeps,
  outOfAttempts,
  refusal,
  type WalletWrite,
  type WriteOutcome,
} from './write-outcome.ts';

export {
  defaultRetryPolicy,
  LANE0_ATTEMPTS_MAX,
  type RetryPolicy,
} from './placement.ts';
export { type CommandHandlerDeps, refusal, type WalletWrite, type WriteOutcome } from './write-outcome.ts';

export async function handleCommand<C extends WalletCommand>(
  deps: CommandHandlerDeps,
  write: WalletWrite<C>,
): Promise<WriteOutcome<C>> {
  if (write.idempotency && !write.respond)
    throw new Error('handleCommand: an idempotent write stores a response: pass respond');
  // A request answered before keys were scoped is answered the same, not recorded again. A writer
  // new to the wallet sends its first read with that look-up: one wait before the append, not two.
  const firstRead = hasLegacyKey(write.idempotency) ? firstReadEarly(deps, write) : undefined;
  const legacy = await legacyReplay(deps.store, write.idempotency);
  if (legacy) return legacy;
  const placed = firstRead === undefined ? write : { ...write, firstRead };
  if (groupCommitOn(deps)) {
    return commitInGroup(deps, placed, handleAlone);
  }
  return handleAlone(deps, placed);
}

/** One command on its own: decided, appended, and on a lost race placed and decided again. */
export async function handleAlone<C extends WalletCommand>(
  deps: CommandHandlerDeps,
  write: WalletWrite<C>,
): Promise<WriteOutcome<C>> {
  const placement = placementOf(deps, write);
  let position: Position = await placement.start();
  let conflicts = 0;
  let lastConflict: VersionConflictError | undefined;
  for (let attempt = 0; attempt < placement.attemptsMax; attempt++) {
    const command = await write.command(position.state);
    if (isDomainError(command)) return refusal(deps.store, write.idempotency, command);
    const decision = write.decide(command, position.state);
    if (isDomainError(decision)) return refusal(deps.store, write.idempotency, decision);
    if (decision.length === 0) return { kind: 'unchanged', state: position.state, command };
    const events = write.stamp(decision, command);
    const { lane, head } = position.at;
    const response = write.respond?.(
      events.map((event, index) => ({
        ...event,
        walletId: write.walletId,
        lane,
        version: head.version + 1 + index,
        ...(write.idempotency
          ? { idempotencyKey: write.idempotency.reference ?? write.idempotency.key }
          : {}),
      })),
    );
    // Offer-book, expiry and read-index entries ride in the events' transaction.
    const index = appendIndexOf(write.walletId, position.state, lane, head.version, events, write.indexes);
    try {
      const outcome = await deps.store.append({
        walletId: write.walletId,
        lane,
        expected: head,
        events,
        ...(index.length > 0 ? { index } : {}),
        ...(write.idempotency && response ? { idempotency: { ...write.idempotency, response } } : {}),
      });
      switch (outcome.kind) {
        case 'appended':
          placement.remember({ lane, head: outcome.head });
          return {
            kind: 'recorded',
            events: outcome.events,
            ...(response ? { response } : {}),
            conflicts,
            state: position.state,
            command,
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
      if (attempt + 1 >= placement.attemptsMax) break;
      position = await placement.next(position, error, attempt);
      placement.remember(position.at);
    }
  }
  return outOfAttempts(deps.store, write.idempotency, conflicts, lastConflict, 'handleCommand');
}
