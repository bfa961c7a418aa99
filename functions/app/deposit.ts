import { decideCredit } from '#domain/wallet/ledger.ts';
import type { CreditCommand, RecordedEvent, WalletEvent } from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { StoredResponse } from '#ports/event-store.ts';
import { type CommandHandlerDeps, handleCommand } from './command-handler.ts';
import type { IdempotencyInput } from './idempotency.ts';
import { ledgerIndexChanges } from './ledger-indexes.ts';
import type { Outcome } from './outcomes.ts';

export { defaultRetryPolicy, type RetryPolicy } from './command-handler.ts';

export interface DepositDeps extends CommandHandlerDeps {
  clock: Clock;
  ids: IdGenerator;
}

export interface DepositInput {
  walletId: string;
  amountMinor: bigint;
  /** From the Idempotency-Key header; absent means every request is a new deposit. */
  idempotency?: IdempotencyInput;
  /** Builds the response to return and to store with the idempotency record. */
  respond: (events: RecordedEvent[]) => StoredResponse;
}

/** Anything whose events commute with a wallet's other events (deposits, facts and their points). */
export interface CommutingCommandInput {
  walletId: string;
  /** The command; called once per attempt with the time the command started. */
  command: (occurredAtMs: number) => CreditCommand;
  idempotency?: IdempotencyInput;
  respond: (events: RecordedEvent[]) => StoredResponse;
}

/** A credit is never refused and never already stands: no `rejected`, no `unchanged`. */
export type DepositResult = Exclude<
  Outcome<{ response: StoredResponse; events: RecordedEvent[]; conflicts: number }, never>,
  { kind: 'rejected' }
>;

/**
 * Records a deposit: a `Deposit` command through the command handler in any lane (credits
 * commute), with the idempotency record in the same transaction; retried on version conflicts
 * only, a bounded number of times (see command-handler.ts for where a lost race goes next).
 */
export function recordDeposit(deps: DepositDeps, input: DepositInput): Promise<DepositResult> {
  return recordCommuting(deps, {
    walletId: input.walletId,
    command: (occurredAtMs) => ({
      type: 'Deposit',
      walletId: input.walletId,
      amountMinor: input.amountMinor,
      occurredAtMs,
    }),
    ...(input.idempotency ? { idempotency: input.idempotency } : {}),
    respond: input.respond,
  });
}

/**
 * A command whose events commute, through the command handler in any lane. The time is read once
 * when it starts (the event time of a deposit over HTTP, and every event's record time) and one
 * id drawn: its events are `id`, `id-1`, `id-2`…, the same on every attempt.
 */
export async function recordCommuting(
  deps: DepositDeps,
  input: CommutingCommandInput,
): Promise<DepositResult> {
  const occurredAtMs = deps.clock.nowMs();
  const eventId = deps.ids.newId();
  const command = input.command(occurredAtMs);
  const outcome = await handleCommand(deps, {
    walletId: input.walletId,
    placement: 'any-lane',
    startedAtMs: occurredAtMs,
    decide: decideCredit,
    indexes: ledgerIndexChanges,
    command: () => command,
    stamp: (events: readonly WalletEvent[]) =>
      events.map((event, index) => ({
        ...event,
        eventId: index === 0 ? eventId : `${eventId}-${index}`,
        recordedAtMs: occurredAtMs,
      })),
    ...(input.idempotency ? { idempotency: input.idempotency } : {}),
    respond: input.respond,
  });
  switch (outcome.kind) {
    case 'recorded': {
      if (outcome.response === undefined) throw new Error('recordCommuting: a response is always built');
      return {
        kind: 'recorded',
        response: outcome.response,
        events: outcome.events,
        conflicts: outcome.conflicts,
      };
    }
    case 'replayed':
    case 'key-reused':
      return outcome;
    case 'contended':
      return { kind: 'contended', conflicts: outcome.conflicts };
    case 'unchanged':
    case 'rejected':
      // Credits decide one event at least and are never refused (see decide.ts).
      throw new Error(`recordCommuting: a commuting command was ${outcome.kind}`);
  }
}
