import * as z from 'zod';
import * as accounts from '../accounts-json.ts';
import { orderBody } from '../order-body.ts';
import { paymentBody } from '../payment-requests.ts';
import { cutDescription, cutParams, page, versionParam } from './params.ts';
import { auditEvent, ruleSet, ruleSetVersions } from './responses.ts';
import type { RouteContract, RouteKey } from './types.ts';

/**
 * Card accounts, payments (points bought with cash), orders (points plus cash) and the payment
 * provider's webhook. The JSON these answer is written by accounts-json.ts, app/card-answers.ts
 * and payments-json.ts; the schemas below describe that text.
 */

export const isoTime = z.string().describe('ISO 8601 / RFC 3339 time, UTC');
const decimal = z.number().describe('exact decimal, at most 2 places');
export const cursor = z
  .string()
  .nullable()
  .describe('opaque; pass it back as `cursor` for the next page; null on the last');

const accountBalance = z
  .strictObject({
    accountId: z.string(),
    creditLimit: decimal,
    balance: decimal.describe('what is owed'),
    pending: decimal.describe('approved authorizations not yet captured'),
    available: decimal,
    currency: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'AccountBalance' });

/** A write that is not a decision, a capture or a payment (opening, a limit, a parked return). */
const accountRecorded = z.looseObject({
  accountId: z.string(),
  recorded: z.array(auditEvent),
  eventId: z.string().optional(),
});

const authorization = z
  .strictObject({
    authorizationId: z.string(),
    accountId: z.string(),
    amount: decimal,
    currency: z.string(),
    merchant: z.strictObject({ id: z.string(), name: z.string().optional(), mcc: z.string() }),
    decision: z.string().describe('`approved` or `declined`'),
    reasons: z.array(z.unknown()),
    ruleSetVersion: z.number().int(),
    available: decimal,
    expiresAt: isoTime.optional().describe('approved only'),
    decidedAt: isoTime,
  })
  .meta({ id: 'Authorization' });

const authorizationEnded = z.strictObject({
  authorizationId: z.string(),
  accountId: z.string(),
  status: z.enum(['captured', 'voided']),
  amount: decimal,
  released: decimal.optional(),
  occurredAt: isoTime,
});

const accountPayment = z.strictObject({
  paymentId: z.string(),
  accountId: z.string(),
  amount: decimal,
  reason: z.string().optional(),
  occurredAt: isoTime,
});

const statement = z.strictObject({
  accountId: z.string(),
  transactions: z.array(
    z.strictObject({ kind: z.string(), status: z.string().optional(), event: auditEvent }),
  ),
  nextCursor: cursor,
});

const money = z.strictObject({ asset: z.literal('money'), amount: decimal, currency: z.string() });
const history = z.array(
  z.strictObject({ eventId: z.string(), type: z.string(), walletId: z.string(), recordedAt: isoTime }),
);
const customerAction = {
  clientSecret: z.string().optional().describe('confirm the payment with it (Stripe)'),
  redirectUrl: z.string().optional().describe('or send the buyer here'),
};

export const paymentFields = {
  paymentId: z.string(),
  wallet: z.string(),
  purpose: z.string(),
  status: z.string(),
  points: z.number().int(),
  amount: money,
  provider: z.string(),
  createdAt: isoTime,
  settledAt: isoTime.optional(),
  refundDue: z.literal(true).optional(),
  refunded: z
    .strictObject({ amount: money, points: z.number().int() })
    .optional()
    .describe('what refunds gave back (cash, all refunds so far) and took back (points)'),
};
const paymentCreated = z.strictObject({ ...paymentFields, ...customerAction });
const paymentWithHistory = z.strictObject({ ...paymentFields, history });

export const orderFields = {
  orderId: z.string(),
  paymentId: z.string(),
  wallet: z.string(),
  merchant: z.string(),
  amount: money,
  points: z.number().int(),
  pointsValue: money,
  cash: money,
  status: z.string(),
  paymentStatus: z.string(),
  expiresAt: isoTime,
  refundDue: z.literal(true).optional(),
  refunded: z
    .strictObject({ amount: money, points: z.number().int() })
    .optional()
    .describe('what refunds gave back (cash, all refunds so far)'),
};
const orderCreated = z.strictObject({ ...orderFields, ...customerAction });
const orderWithHistory = z.strictObject({ ...orderFields, history });

const webhookReceived = z.union([
  z.strictObject({ received: z.literal(true), paymentId: z.string(), status: z.string() }),
  z.strictObject({ received: z.literal(true), ignored: z.string() }),
]);

const accountWrite = ['account-not-found', 'missing-idempotency-key', 'idempotency-key-reused', 'contended'];
const accountRead = ['account-not-found', 'forbidden-wallet', 'invalid-wallet-id'];

export const MONEY_ROUTE_CONTRACTS: Readonly<Partial<Record<RouteKey, RouteContract>>> = {
  'POST /accounts': {
    tag: 'accounts',
    summary: 'Open a card account with a credit limit',
    body: {
      schema: accounts.openBody,
      example: { accountId: 'card-001', creditLimit: '500.00', currency: 'EUR' },
    },
    idempotencyKey: 'required',
    responses: {
      201: { description: 'Opened: the events recorded', schema: accountRecorded },
      200: { description: 'Open already with these terms: the balance', schema: accountBalance },
    },
    problems: [
      ...accountWrite,
      'account-exists',
      'invalid-credit-limit',
      'invalid-amount',
      'invalid-wallet-id',
    ],
  },
  'POST /accounts/{account_id}/credit-limit': {
    tag: 'accounts',
    summary: "Change an account's credit limit",
    body: { schema: accounts.limitBody, example: { creditLimit: '750.00' } },
    idempotencyKey: 'required',
    responses: {
      201: { description: 'Changed: the events recorded', schema: accountRecorded },
      200: { description: 'The limit is that already: the balance', schema: accountBalance },
    },
    problems: [...accountWrite, 'invalid-credit-limit', 'invalid-amount', 'invalid-wallet-id'],
  },
  'GET /accounts/{account_id}': {
    tag: 'accounts',
    summary: 'An account: limit, owed, pending and available',
    description: cutDescription,
    query: cutParams,
    responses: { 200: { description: 'The account', schema: accountBalance } },
    problems: [...accountRead, 'invalid-as-of', 'invalid-known-at'],
  },
  'GET /accounts/{account_id}/balance': {
    tag: 'accounts',
    summary: "An account's balance (as `GET /accounts/{account_id}`)",
    description: cutDescription,
    query: cutParams,
    responses: { 200: { description: 'The balance', schema: accountBalance } },
    problems: [...accountRead, 'invalid-as-of', 'invalid-known-at'],
  },
  'GET /accounts/{account_id}/transactions': {
    tag: 'accounts',
    summary: "An account's statement, newest first",
    description: cutDescription,
    query: { ...page, ...cutParams },
    responses: { 200: { description: 'A page of statement lines', schema: statement } },
    problems: [...accountRead, 'invalid-limit', 'invalid-cursor', 'invalid-as-of', 'invalid-known-at'],
  },
  'POST /accounts/{account_id}/authorizations': {
    tag: 'accounts',
    summary: 'Decide an authorization (approved or declined, with reasons)',
    body: {
      schema: accounts.authorizeBody,
      example: { amount: '42.00', merchant: { id: 'shop-1', name: 'Shop', mcc: '5411' } },
    },
    idempotencyKey: 'required',
    responses: {
      201: { description: 'Decided (a decline is a decision too)', schema: authorization },
      200: { description: 'Decided already as asked: the balance', schema: accountBalance },
    },
    problems: [...accountWrite, 'authorization-exists', 'invalid-amount', 'unsupported-currency'],
  },
  'POST /accounts/{account_id}/authorizations/{authorization_id}/capture': {
    tag: 'accounts',
    summary: 'Capture an approved authorization (all or part)',
    body: { schema: accounts.captureBody, required: false, example: { amount: '40.00' } },
    idempotencyKey: 'required',
    responses: {
      200: {
        description: 'Captured (or, when it was already, the balance)',
        schema: z.union([authorizationEnded, accountBalance]),
      },
    },
    problems: [
      ...accountWrite,
      'authorization-not-found',
      'authorization-declined',
      'hold-not-active',
      'invalid-authorization-id',
      'invalid-amount',
      'insufficient-funds',
    ],
  },
  'POST /accounts/{account_id}/authorizations/{authorization_id}/void': {
    tag: 'accounts',
    summary: 'Void an approved authorization',
    idempotencyKey: 'required',
    responses: {
      200: {
        description: 'Voided (or, when it was already, the balance)',
        schema: z.union([authorizationEnded, accountBalance]),
      },
    },
    problems: [
      ...accountWrite,
      'authorization-not-found',
      'authorization-declined',
      'hold-not-active',
      'invalid-authorization-id',
    ],
  },
  'POST /accounts/{account_id}/payments': {
    tag: 'accounts',
    summary: 'Record a payment towards what the account owes',
    body: { schema: accounts.paymentBody, example: { paymentId: 'pay-001', amount: '100.00' } },
    idempotencyKey: 'required',
    responses: {
      201: { description: 'Applied', schema: z.union([accountPayment, accountRecorded]) },
      200: { description: 'This payment is known already: the balance', schema: accountBalance },
    },
    problems: [...accountWrite, 'payment-exists', 'invalid-amount'],
  },
  'POST /accounts/{account_id}/payments/{payment_id}/return': {
    tag: 'accounts',
    summary: 'Return (reverse) a payment',
    description: 'A return that arrives before its payment is parked and applied when the payment comes.',
    body: { schema: accounts.returnBody, example: { reason: 'insufficient funds at the bank' } },
    idempotencyKey: 'required',
    responses: {
      201: {
        description: 'Returned, or parked until the payment arrives',
        schema: z.union([accountPayment, accountRecorded]),
      },
      200: { description: 'Returned already as asked: the balance', schema: accountBalance },
    },
    problems: [...accountWrite, 'payment-returned', 'payment-not-found', 'invalid-payment-id'],
  },
  'POST /payments': {
    tag: 'payments',
    summary: 'Buy points with cash (a payment intent at the provider)',
    description:
      "The payment is recorded as pending; the points are credited when the provider's webhook says it succeeded. The answer carries what the buyer's client does next: a `clientSecret` or a `redirectUrl`.",
    body: { schema: paymentBody, example: { wallet: 'walletID001', points: 500 } },
    idempotencyKey: 'required',
    responses: { 201: { description: 'Pending at the provider', schema: paymentCreated } },
    problems: [
      'missing-idempotency-key',
      'idempotency-key-reused',
      'invalid-wallet-id',
      'invalid-amount',
      'unsupported-currency',
      'payment-mismatch',
      'payment-provider-refused',
      'payment-provider-unavailable',
      'contended',
    ],
  },
  'GET /payments/{payment_id}': {
    tag: 'payments',
    summary: 'A payment and the events behind it',
    responses: { 200: { description: 'The payment', schema: paymentWithHistory } },
    problems: ['payment-not-found', 'forbidden-wallet'],
  },
  'POST /orders': {
    tag: 'payments',
    summary: 'Pay a merchant with points plus cash (the points held, the cash an intent)',
    body: {
      schema: orderBody,
      example: { wallet: 'walletID001', merchant: 'shop-1', amount: '25.00', points: 1000 },
    },
    idempotencyKey: 'required',
    responses: { 201: { description: 'Pending at the provider', schema: orderCreated } },
    problems: [
      'missing-idempotency-key',
      'idempotency-key-reused',
      'invalid-wallet-id',
      'invalid-amount',
      'unsupported-currency',
      'insufficient-funds',
      'payment-mismatch',
      'payment-provider-refused',
      'payment-provider-unavailable',
      'contended',
    ],
  },
  'GET /orders/{order_id}': {
    tag: 'payments',
    summary: 'An order, its status and the events behind it',
    responses: { 200: { description: 'The order', schema: orderWithHistory } },
    problems: ['payment-not-found', 'forbidden-wallet'],
  },
  'GET /decision-rules': {
    tag: 'accounts',
    summary: 'The card decision rules in force (or `?version=N`)',
    query: { version: versionParam },
    responses: { 200: { description: 'The decision rules and their text', schema: ruleSet } },
    problems: ['invalid-version', 'rule-set-version-not-found'],
  },
  'PUT /decision-rules': {
    tag: 'accounts',
    summary: 'Publish a card decision rule file as the next version',
    description:
      'Send the file with `--data-binary` (curl `-d` strips newlines). Every authorization decided afterwards names the version (`ruleSetVersion`).',
    body: { schema: z.string().min(1), contentTypes: ['text/plain'] },
    query: {
      source: {
        schema: z.string().regex(/^[\w./@:-]{1,200}$/),
        description: 'A label for where the text came from.',
      },
    },
    responses: {
      201: { description: 'Published as a new version', schema: ruleSet },
      200: { description: 'The same text as the active version: nothing published', schema: ruleSet },
    },
    problems: ['invalid-rules', 'missing-body', 'invalid-source', 'publish-conflict'],
  },
  'GET /decision-rules/versions': {
    tag: 'accounts',
    summary: 'Every published version of the decision rules, oldest first',
    query: page,
    responses: { 200: { description: 'A page of versions', schema: ruleSetVersions } },
    problems: ['invalid-limit', 'invalid-cursor'],
  },
  'GET /decision-rules/versions/{version}': {
    tag: 'accounts',
    summary: 'One published version of the decision rules, with its text',
    responses: { 200: { description: 'The version', schema: ruleSet } },
    problems: ['invalid-version', 'rule-set-version-not-found'],
  },
  'POST /payments/webhook': {
    tag: 'payments',
    summary: "The payment provider's signed webhook",
    description:
      "Public: the provider has no token, so the provider's signature over the exact raw body (and a fresh timestamp) is checked before anything is read. Each provider event takes effect once; any 2xx tells the provider to stop re-sending.",
    body: { schema: z.looseObject({}) },
    responses: {
      200: { description: 'Received (applied, already applied, or ignored)', schema: webhookReceived },
    },
    problems: [
      'invalid-webhook-signature',
      'unreadable-webhook',
      'payment-provider-unavailable',
      'payment-not-found',
      'payment-mismatch',
      'payment-not-refundable',
      // A refund whose points are spent or held: nothing recorded; the provider's redelivery retries.
      'correction-below-floor',
      'contended',
    ],
  },
};
