/**
 * The one vocabulary of write outcomes, and the one table that says what each means at the edges.
 *
 * Every write use case (recordDeposit, ingestEvent, correctEvent, and the command handler under
 * them) answers an `Outcome`:
 * - `recorded`:  events were appended (the use case adds what its caller shows: events, response…);
 * - `unchanged`: the wallet already stands as asked (the same correction again): nothing written;
 * - `replayed`:  the idempotency key (Idempotency-Key, CloudEvent id) took effect before with the
 *                same payload: nothing written, here is the original response;
 * - `rejected`:  the domain refused (`error.code` is one of DOMAIN_ERROR_CODES): nothing written;
 * - `key-reused`: the key was used before with another payload: nothing written;
 * - `contended`: other writers kept winning the race through every bounded retry: nothing
 *                written, try again later.
 * A use case that cannot reach a kind leaves it out of its type (`Exclude`), so an edge's switch
 * over it stays exhaustive. What each kind and each error code becomes over HTTP and on a queue is
 * the tables below, read by the HTTP error middleware and the bus handlers.
 */
import type { DomainError, DomainErrorCode } from '#domain/errors.ts';
import type { StoredResponse } from '#ports/event-store.ts';

export type Outcome<Recorded extends object = object, Unchanged extends object = object> =
  | ({ kind: 'recorded' } & Recorded)
  | ({ kind: 'unchanged' } & Unchanged)
  | { kind: 'replayed'; response: StoredResponse }
  | { kind: 'rejected'; error: DomainError }
  | { kind: 'key-reused' }
  | { kind: 'contended'; conflicts: number };

export type OutcomeKind = Outcome['kind'];

/** What a message that cannot be recorded becomes on a queue or topic. */
export type QueueOutcome =
  /** It never can take effect: to the DLQ with its code and reason, and done. */
  | 'dead-letter'
  /** It may later: the event source delivers it again (idempotency makes that safe). */
  | 'retry';

/** A refusal as HTTP (an RFC 9457 problem: `type` is `https://tally.dev/problems/<code>`) and as a queue sees it. */
export interface EdgeOutcome {
  status: number;
  title: string;
  /** The problem's and the dead letter's code: kebab-case, stable. */
  code: string;
  queue: QueueOutcome;
}

const kebab = (code: string) => code.replaceAll('_', '-');

/** Every domain error code's HTTP status and title; each is dead-lettered on a queue. */
const REFUSALS: { readonly [Code in DomainErrorCode]: readonly [status: number, title: string] } = {
  invalid_wallet_id: [400, 'Bad request'],
  invalid_amount: [400, 'Bad request'],
  invalid_time: [400, 'Bad request'],
  invalid_deposit: [400, 'Bad request'],
  wallet_not_found: [404, 'Not found'],
  event_not_found: [404, 'Not found'],
  not_correctable: [422, 'Not correctable'],
  event_voided: [409, 'Conflict'],
  invalid_amendment: [422, 'Invalid amendment'],
  correction_below_floor: [409, 'Correction below floor'],
  rule_failed: [422, 'A rule failed on the amended fact'],
  rule_set_missing: [409, 'Rule set missing'],
  insufficient_funds: [409, 'Insufficient funds'],
  hold_not_found: [404, 'Not found'],
  hold_not_active: [409, 'Hold not active'],
  hold_exists: [409, 'Hold exists'],
  hold_not_expired: [409, 'Hold not expired'],
  invalid_transfer: [400, 'Bad request'],
  offer_not_open: [409, 'Offer not open'],
  offer_not_found: [404, 'Not found'],
  payment_not_found: [404, 'Not found'],
  payment_mismatch: [422, 'Payment mismatch'],
  payment_not_refundable: [409, 'Payment not refundable'],
  account_not_found: [404, 'Not found'],
  account_exists: [409, 'Account exists'],
  invalid_credit_limit: [400, 'Bad request'],
  authorization_exists: [409, 'Authorization exists'],
  authorization_not_found: [404, 'Not found'],
  authorization_declined: [409, 'Authorization declined'],
  payment_exists: [409, 'Payment exists'],
  payment_returned: [409, 'Payment returned'],
  invalid_account_event: [400, 'Bad request'],
};

/** Every domain error code: its HTTP status and title, and its queue outcome. */
export const DOMAIN_ERROR_OUTCOMES = Object.fromEntries(
  Object.entries(REFUSALS).map(([code, [status, title]]) => [
    code,
    { status, title, code: kebab(code), queue: 'dead-letter' },
  ]),
) as { readonly [Code in DomainErrorCode]: EdgeOutcome };

/** The outcomes that are not domain errors but still refuse or defer a write. */
export const WRITE_OUTCOMES = {
  'key-reused': {
    status: 422,
    title: 'Idempotency-Key reused',
    code: 'idempotency-key-reused',
    queue: 'dead-letter',
    /** On the bus the key is the CloudEvent id; its dead letters have said `id-reused` from the start. */
    queueCode: 'id-reused',
  },
  contended: {
    status: 503,
    title: 'Service unavailable',
    code: 'contended',
    queue: 'retry',
  },
} as const satisfies Record<'key-reused' | 'contended', EdgeOutcome & { queueCode?: string }>;

/** The RFC 9457 problem for a domain error: its table entry plus the error's own (safe) detail. */
export const problemOf = (error: DomainError) => {
  const { status, title, code } = DOMAIN_ERROR_OUTCOMES[error.code];
  return { status, title, code, detail: error.detail };
};

/** The problem for `contended` on a lane-0 write: the client should retry after a moment. */
export const contendedProblem = () => ({
  status: WRITE_OUTCOMES.contended.status,
  code: WRITE_OUTCOMES.contended.code,
  title: WRITE_OUTCOMES.contended.title,
  detail: 'Other writers kept changing this wallet; nothing was recorded. Retry after a moment.',
  headers: { 'retry-after': '1' },
});
