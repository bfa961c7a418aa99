/**
 * Card accounts from the bus: `account.opened`, `account.credit_limit_changed`,
 * `payment.submitted` and `payment.returned` CloudEvents (subject: the account id) become the
 * account's commands, each applied exactly once per CloudEvent id (the id is the idempotency key,
 * as for every ingested event). Any other `account.*` or `payment.*` type, bad data, a payment
 * returned twice, a negative limit: rejected, so the message goes to the DLQ with the reason.
 */
import * as z from 'zod/mini';
import { DomainError, isDomainError } from '#domain/errors.ts';
import { parseAmountMinor } from '#domain/money.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { StoredResponse } from '#ports/event-store.ts';
import { ACCOUNT_EVENT_TYPES } from './account-event-types.ts';
import { type CardAction, type CardDeps, cardAction, type DecisionRuleSource } from './cards.ts';
import type { CloudEvent } from './cloud-event.ts';
import type { IdempotencyInput } from './idempotency.ts';
import type { Outcome } from './outcomes.ts';
import { zodWording } from './zod-wording.ts';

export { ACCOUNT_EVENT_TYPES, isAccountEventType } from './account-event-types.ts';

const amount = z.union([z.number(), z.string()]);
const id = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/));
const schemas = {
  [ACCOUNT_EVENT_TYPES.opened]: z.object({
    creditLimit: amount,
    currency: z.string().check(z.regex(/^[A-Z]{3}$/)),
  }),
  [ACCOUNT_EVENT_TYPES.creditLimitChanged]: z.object({ creditLimit: amount }),
  [ACCOUNT_EVENT_TYPES.paymentSubmitted]: z.object({ paymentId: id, amount }),
  [ACCOUNT_EVENT_TYPES.paymentReturned]: z.object({
    paymentId: id,
    reason: z.string().check(z.minLength(1), z.maxLength(500)),
  }),
};

const refused = (detail: string) => new DomainError('invalid_account_event', detail);

/** A limit may be zero; a negative one is refused by the decider (invalid_credit_limit). */
function limitOf(value: number | string): bigint {
  const text = String(value).trim();
  if (/^-\d+(\.\d+)?$/.test(text)) return -parseAmountMinor(text.slice(1));
  return /^0+(\.0+)?$/.test(text) ? 0n : parseAmountMinor(value);
}

/** The action a CloudEvent asks for, or why it never can be applied. */
export function accountActionOf(event: Pick<CloudEvent, 'type' | 'data'>): CardAction | DomainError {
  const schema = (schemas as Record<string, z.ZodMiniType>)[event.type];
  if (schema === undefined) return refused(`${event.type} is not an account event Tally knows.`);
  const parsed = z.safeParse(schema, event.data, { error: zodWording });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refused(
      `data${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  try {
    switch (event.type) {
      case ACCOUNT_EVENT_TYPES.opened: {
        const data = parsed.data as z.infer<(typeof schemas)['account.opened']>;
        return { kind: 'open', creditLimit: limitOf(data.creditLimit), currency: data.currency };
      }
      case ACCOUNT_EVENT_TYPES.creditLimitChanged: {
        const data = parsed.data as z.infer<(typeof schemas)['account.credit_limit_changed']>;
        return { kind: 'limit', creditLimit: limitOf(data.creditLimit) };
      }
      case ACCOUNT_EVENT_TYPES.paymentSubmitted: {
        const data = parsed.data as z.infer<(typeof schemas)['payment.submitted']>;
        return { kind: 'pay', paymentId: data.paymentId, amount: parseAmountMinor(data.amount) };
      }
      default: {
        const data = parsed.data as z.infer<(typeof schemas)['payment.returned']>;
        return { kind: 'return', paymentId: data.paymentId, reason: data.reason };
      }
    }
  } catch (error) {
    if (isDomainError(error)) return refused(`data: ${error.detail}`);
    throw error;
  }
}

/**
 * The decision rules decide authorizations only, which no account event asks for: a source that
 * imports them (and their CEL engine) on demand, so ingest's cold start does not load them.
 */
const builtInDecisionRulesOnDemand: DecisionRuleSource = {
  current: async () => (await import('./default-decision-rules.ts')).builtInDecisionRules.current(),
};

export type AccountIngestOutcome = Outcome<
  { walletId: string; events: RecordedEvent[]; points: bigint; response: StoredResponse },
  never
>;

/** Applies an account CloudEvent to its account (the subject), once per id. */
export async function ingestAccountEvent(
  deps: Omit<CardDeps, 'decisionRules'>,
  event: CloudEvent,
  idempotency: IdempotencyInput,
  eventTimeMs: number | undefined,
): Promise<AccountIngestOutcome> {
  const action = accountActionOf(event);
  if (isDomainError(action)) return { kind: 'rejected', error: action };
  const walletId = event.subject;
  const respond = (events: readonly RecordedEvent[]): StoredResponse => ({
    statusCode: 202,
    body: JSON.stringify({
      id: event.id,
      walletId,
      type: event.type,
      events: events.map(({ type, lane, version }) => ({ type, lane, version })),
      points: '0',
    }),
  });
  const result = await cardAction(
    { ...deps, decisionRules: builtInDecisionRulesOnDemand },
    {
      accountId: walletId,
      idempotency,
      respond,
      correlation: { cloudEventId: event.id },
      ...(eventTimeMs === undefined ? {} : { occurredAtMs: eventTimeMs }),
    },
    action,
  );
  switch (result.kind) {
    case 'recorded':
      return { kind: 'recorded', walletId, events: result.events, points: 0n, response: result.response };
    case 'unchanged':
      // Already as the event says (the account opened with these terms, the payment known):
      // nothing to write, and nothing to retry.
      return { kind: 'recorded', walletId, events: [], points: 0n, response: respond([]) };
    default:
      return result;
  }
}
