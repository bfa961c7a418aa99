/**
 * The CloudEvent types of card accounts (app/card-ingest.ts applies them), apart from the code that
 * applies them: ingest tells an account event by its type on every event, and loads card-ingest.ts
 * only with the first one (app/ingest.ts).
 */
export const ACCOUNT_EVENT_TYPES = {
  opened: 'account.opened',
  creditLimitChanged: 'account.credit_limit_changed',
  paymentSubmitted: 'payment.submitted',
  paymentReturned: 'payment.returned',
} as const;

/** Types card-ingest.ts owns: the four above, and any other in their namespaces (refused). */
export const isAccountEventType = (type: string): boolean =>
  type.startsWith('account.') || type.startsWith('payment.');
