import { DomainError, isDomainError } from '#domain/errors.ts';
import { parseAmountMinor } from '#domain/money.ts';
import type { CreditCommand, RecordedEvent } from '#domain/wallet.ts';
import type { StoredResponse } from '#ports/event-store.ts';
import { isRuleEvaluationError } from '#rules/types.ts';
import { isAccountEventType } from './account-event-types.ts';
import type { AccountLog } from './account-log.ts';
import type { ActiveRuleSets } from './active-rules.ts';
import type { ingestAccountEvent } from './card-ingest.ts';
import { type CloudEvent, DEPOSIT_EVENT_TYPE } from './cloud-event.ts';
import { type DepositDeps, recordCommuting } from './deposit.ts';
import { priorUse, type ScopedIdempotency, scopeIdempotency } from './idempotency.ts';
import type { Outcome } from './outcomes.ts';

export interface IngestDeps extends DepositDeps {
  rules: ActiveRuleSets;
  /** sha256 hex of a text. */
  hash: (text: string) => string;
  canonicalJson: (value: unknown) => string;
  /** Card accounts' events get a debug line each (account-log.ts). */
  accountLog?: AccountLog;
  /**
   * Card accounts' ingest (card-ingest.ts, with the card decider and the trading index's writers
   * its writes need), loaded with the first account event: a points ingest never runs it. The
   * composition names the loader that also hands the store those writers
   * (composition/card-ingest.ts); without one, card-ingest.ts is imported as is.
   */
  accountEvents?: () => Promise<typeof ingestAccountEvent>;
}

const cardIngestOnDemand = async (): Promise<typeof ingestAccountEvent> =>
  (await import('./card-ingest.ts')).ingestAccountEvent;

/**
 * `rejected` (an invalid deposit, a rule failing on the fact) and `key-reused` (the id was used
 * before with another payload) can never take effect, however often retried: they go to the DLQ.
 * `contended` is transient: retry later. Nothing is ever `unchanged`: a fact is recorded or replayed.
 */
export type IngestOutcome = Outcome<
  { walletId: string; events: RecordedEvent[]; points: bigint; response: StoredResponse },
  never
>;

/**
 * The one ingest core behind SQS, MSK and `POST /events`: a CloudEvent takes effect exactly once
 * per `source` + `id`. `wallet.deposit` is a deposit; every other type is a fact, kept whole with the points
 * the active rules give it, all in one transaction with the idempotency record of its `source` + `id`.
 */
export async function ingestEvent(deps: IngestDeps, event: CloudEvent): Promise<IngestOutcome> {
  const planned = await planIngest(deps, event);
  return planned.kind === 'plan' ? recordPlan(deps, planned.plan) : planned.outcome;
}

/** A CloudEvent made ready to record: the wallet command it is, its key, its answer. */
export interface IngestPlan {
  walletId: string;
  command: (occurredAtMs: number) => CreditCommand;
  idempotency: ScopedIdempotency;
  respond: (events: RecordedEvent[]) => StoredResponse;
  points: bigint;
}

/**
 * Everything of ingestEvent before the write: the event's key, its command (a deposit, or a fact
 * with the points the active rules give it), or its outcome when it has one without a wallet
 * write of its own (invalid, a rule failing, a card account's event: ingested here, as before).
 * Shared by one event's ingest and a batch's (ingest-batch.ts).
 */
export async function planIngest(
  deps: IngestDeps,
  event: CloudEvent,
): Promise<{ kind: 'plan'; plan: IngestPlan } | { kind: 'settled'; outcome: IngestOutcome }> {
  const settled = (outcome: IngestOutcome) => ({ kind: 'settled', outcome }) as const;
  const walletId = event.subject;
  const dataJson = JSON.stringify(event.data ?? null);
  const payloadHash = deps.hash(
    deps.canonicalJson({
      source: event.source,
      type: event.type,
      subject: event.subject,
      time: event.time ?? null,
      data: event.data ?? null,
    }),
  );
  // `source` + `id` identifies a CloudEvent: two sources may both send id "1".
  const idempotency = scopeIdempotency({ namespace: 'event', owner: event.source }, event.id, payloadHash);
  const eventTimeMs = event.time === undefined ? undefined : Date.parse(event.time);
  // Card accounts' events are the account's commands, not facts (app/card-ingest.ts).
  if (isAccountEventType(event.type)) {
    const ingestAccount = await (deps.accountEvents ?? cardIngestOnDemand)();
    return settled(await ingestAccount(deps, event, idempotency, eventTimeMs));
  }
  let points = 0n;

  let command: (occurredAtMs: number) => CreditCommand;
  if (event.type === DEPOSIT_EVENT_TYPE) {
    let amountMinor: bigint;
    try {
      amountMinor = parseAmountMinor(depositAmount(event.data));
    } catch (error) {
      if (isDomainError(error))
        return settled({
          kind: 'rejected',
          error: new DomainError('invalid_deposit', `data.amount: ${error.detail}`),
        });
      throw error;
    }
    command = (nowMs) => ({
      type: 'Deposit',
      walletId,
      amountMinor,
      occurredAtMs: eventTimeMs ?? nowMs,
      factId: event.id,
    });
  } else {
    const active = await deps.rules.current();
    // The rules this type makes candidates are compiled (CEL loaded) the first time it needs them.
    await active.ruleSet.prepare([event.type]);
    let awards: ReturnType<typeof active.ruleSet.evaluate>;
    try {
      awards = active.ruleSet.evaluate({
        id: event.id,
        source: event.source,
        type: event.type,
        subject: event.subject,
        time: event.time ?? new Date(deps.clock.nowMs()).toISOString(),
        data: event.data,
      });
    } catch (error) {
      if (!isRuleEvaluationError(error)) throw error;
      // A redelivery of an event that took effect under earlier rules is a duplicate, not a failure.
      return settled(
        (await earlierOutcome(deps, idempotency)) ?? {
          kind: 'rejected',
          error: new DomainError(
            'rule_failed',
            `rule ${error.ruleId} (line ${error.line}, rule set version ${active.version}): ${error.reason}: ${error.detail}`,
          ),
        },
      );
    }
    points = awards.reduce((total, award) => total + award.points, 0n);
    const decided = awards.map((award) => ({
      ruleId: award.ruleId,
      ruleTextHash: award.ruleTextHash,
      points: award.points,
    }));
    command = (nowMs) => ({
      type: 'RecordFact',
      walletId,
      fact: {
        id: event.id,
        source: event.source,
        type: event.type,
        occurredAtMs: eventTimeMs ?? nowMs,
        dataJson,
      },
      ruleSetVersion: active.version,
      awards: decided,
    });
  }

  const respond = (events: RecordedEvent[]): StoredResponse => ({
    statusCode: 202,
    body: JSON.stringify({
      id: event.id,
      walletId,
      type: event.type,
      events: events.map((recorded) => ({
        type: recorded.type,
        lane: recorded.lane,
        version: recorded.version,
      })),
      points: points.toString(),
    }),
  });
  return { kind: 'plan', plan: { walletId, command, idempotency, respond, points } };
}

/** A plan recorded on its own: a credit in any lane, its key in the same transaction. */
export async function recordPlan(deps: IngestDeps, plan: IngestPlan): Promise<IngestOutcome> {
  const { walletId, command, idempotency, respond, points } = plan;
  const result = await recordCommuting(deps, { walletId, command, idempotency, respond });
  return result.kind === 'recorded'
    ? { kind: 'recorded', walletId, events: result.events, points, response: result.response }
    : result;
}

/** What an id already did, when it did something: checked before reporting an event as failing. */
async function earlierOutcome(
  deps: IngestDeps,
  idempotency: ScopedIdempotency,
): Promise<IngestOutcome | undefined> {
  return priorUse(deps.store, idempotency);
}

function depositAmount(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || !('amount' in data)) return undefined;
  return (data as { amount: unknown }).amount;
}
