/**
 * A wallet command on its own (command-handler.ts without group commit): loaded, decided, appended
 * at the expected version, and on a lost race placed and decided again. command-handler.ts runs
 * commands through here when no group is in flight or group commit is off; a use case that never
 * group-commits calls `handleCommandAlone` and so bundles none of group-commit*.ts (corrections:
 * app/corrections.ts says why).
 */
import { isDomainError } from '#domain/errors.ts';
import type { WalletCommand } from '#domain/wallet.ts';
import { isVersionConflict, type VersionConflictError } from '#ports/event-store.ts';
import { joinRunningGroup } from './group-commit-join.ts';
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

/**
 * A command, run by `run` (alone, or in a group: command-handler.ts): a request answered before
 * keys were scoped is answered the same, not recorded again. A writer new to the wallet sends its
 * first read with that look-up: one wait before the append, not two.
 */
export async function handleCommandWith<C extends WalletCommand>(
  deps: CommandHandlerDeps,
  write: WalletWrite<C>,
  run: (deps: CommandHandlerDeps, write: WalletWrite<C>) => Promise<WriteOutcome<C>>,
): Promise<WriteOutcome<C>> {
  if (write.idempotency && !write.respond)
    throw new Error('handleCommand: an idempotent write stores a response: pass respond');
  const firstRead = hasLegacyKey(write.idempotency) ? firstReadEarly(deps, write) : undefined;
  const legacy = await legacyReplay(deps.store, write.idempotency);
  if (legacy) return legacy;
  const placed = firstRead === undefined ? write : { ...write, firstRead };
  return run(deps, placed);
}

/**
 * handleCommand (command-handler.ts) for a use case whose commands never commit in groups: alone,
 * unless this process is group-committing the wallet's lane 0 right now (group-commit-join.ts).
 */
export const handleCommandAlone = <C extends WalletCommand>(
  deps: CommandHandlerDeps,
  write: WalletWrite<C>,
): Promise<WriteOutcome<C>> =>
  handleCommandWith(
    deps,
    write,
    (deps, placed) =>
      joinRunningGroup(deps, placed) ?? handleAlone(deps, placed, () => joinRunningGroup(deps, placed)),
  );

/**
 * One command on its own: decided, appended, and on a lost race placed and decided again.
 * `afterLost`, asked after each lost race, may hand the command to a group that now runs for the
 * wallet (handleCommandAlone: the race was most likely lost to that group's batches, which follow
 * each other without a gap; it is not offered where the caller is a batch itself).
 */
export async function handleAlone<C extends WalletCommand>(
  deps: CommandHandlerDeps,
  write: WalletWrite<C>,
  afterLost?: () => Promise<WriteOutcome<C>> | undefined,
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
      const joined = afterLost?.();
      if (joined !== undefined) return joined;
      if (attempt + 1 >= placement.attemptsMax) break;
      position = await placement.next(position, error, attempt);
      placement.remember(position.at);
    }
  }
  return outOfAttempts(deps.store, write.idempotency, conflicts, lastConflict, 'handleCommand');
}
