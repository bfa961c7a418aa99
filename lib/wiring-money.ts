/**
 * The wiring of money that moves through a provider or a card network: points bought with cash,
 * orders paid partly with points, the provider's webhook, and card accounts. Part of the one wiring
 * table (lib/wiring.ts spreads it into FUNCTIONS); kept apart so that table stays one screenful per
 * area.
 */
import type { FunctionSpec } from './wiring-spec.ts';

/**
 * The partition of the card decision rules' versions. The decision-rules function may touch no
 * other (IAM `dynamodb:LeadingKeys`); must equal DECISION_RULES_PK of the DynamoDB layout.
 */
export const DECISION_RULES_PARTITION = 'DECISIONRULES';

export const MONEY_FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'payments',
    entry: 'functions/handlers/payments.ts',
    description:
      'POST /payments (buy points with cash: a provider payment intent, points credited on its webhook), GET /payments/{payment_id}, GET /wallets/{wallet_id}/payments, POST /payments/{payment_id}/refund',
    memoryMb: 512,
    timeoutSeconds: 15,
    routes: [
      { method: 'POST', path: '/payments', auth: { scopes: ['payments:write'] } },
      { method: 'GET', path: '/payments/{payment_id}', auth: { scopes: ['wallets:read'] } },
      { method: 'GET', path: '/wallets/{wallet_id}/payments', auth: { scopes: ['wallets:read'] } },
      { method: 'POST', path: '/payments/{payment_id}/refund', auth: { scopes: ['payments:write'] } },
    ],
    tableAccess: 'read-write',
    takesPayments: true,
  },
  {
    name: 'orders',
    entry: 'functions/handlers/orders.ts',
    description:
      'POST /orders (pay a merchant with points plus cash: the points held, the cash a payment intent), GET /orders/{order_id}, GET /wallets/{wallet_id}/orders',
    memoryMb: 512,
    timeoutSeconds: 15,
    routes: [
      { method: 'POST', path: '/orders', auth: { scopes: ['payments:write'] } },
      { method: 'GET', path: '/orders/{order_id}', auth: { scopes: ['wallets:read'] } },
      { method: 'GET', path: '/wallets/{wallet_id}/orders', auth: { scopes: ['wallets:read'] } },
    ],
    tableAccess: 'read-write',
    takesPayments: true,
  },
  {
    name: 'payment-webhook',
    entry: 'functions/handlers/payment-webhook.ts',
    description:
      "POST /payments/webhook: the payment provider's signed webhook; credits a purchase's points or settles an order, once per provider event",
    memoryMb: 512,
    timeoutSeconds: 15,
    routes: [
      {
        method: 'POST',
        path: '/payments/webhook',
        auth: {
          public:
            "the payment provider's webhook carries no token: each delivery is authenticated by the provider's signature over its raw body and a fresh timestamp (401 otherwise, nothing changed)",
        },
      },
    ],
    tableAccess: 'read-write',
    takesPayments: true,
  },
  {
    name: 'accounts',
    entry: 'functions/handlers/accounts.ts',
    description:
      'Card accounts: open, credit limit, authorizations (decide, capture, void), payments (submit, return), balance and transactions',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [
      // Opening an account and setting its limit belong to the account service (also as CloudEvents).
      { method: 'POST', path: '/accounts', auth: { scopes: ['accounts:write'] } },
      {
        method: 'POST',
        path: '/accounts/{account_id}/credit-limit',
        auth: { scopes: ['accounts:write'] },
      },
      { method: 'GET', path: '/accounts/{account_id}', auth: { scopes: ['wallets:read'] } },
      { method: 'GET', path: '/accounts/{account_id}/balance', auth: { scopes: ['wallets:read'] } },
      { method: 'GET', path: '/accounts/{account_id}/transactions', auth: { scopes: ['wallets:read'] } },
      {
        method: 'POST',
        path: '/accounts/{account_id}/authorizations',
        auth: { scopes: ['accounts:authorize'] },
      },
      {
        method: 'POST',
        path: '/accounts/{account_id}/authorizations/{authorization_id}/capture',
        auth: { scopes: ['accounts:authorize'] },
      },
      {
        method: 'POST',
        path: '/accounts/{account_id}/authorizations/{authorization_id}/void',
        auth: { scopes: ['accounts:authorize'] },
      },
      { method: 'POST', path: '/accounts/{account_id}/payments', auth: { scopes: ['payments:write'] } },
      {
        method: 'POST',
        path: '/accounts/{account_id}/payments/{payment_id}/return',
        auth: { scopes: ['payments:write'] },
      },
    ],
    tableAccess: 'read-write',
  },
  {
    name: 'decision-rules',
    entry: 'functions/handlers/decision-rules.ts',
    description:
      'GET /decision-rules (the card decision rules in force, or ?version=N), PUT /decision-rules (publish a new version; admin), GET /decision-rules/versions[/{version}] (history)',
    memoryMb: 512,
    timeoutSeconds: 10,
    routes: [
      { method: 'GET', path: '/decision-rules', auth: { scopes: ['rules:read'] } },
      { method: 'PUT', path: '/decision-rules', auth: { scopes: ['admin'] } },
      { method: 'GET', path: '/decision-rules/versions', auth: { scopes: ['rules:read'] } },
      { method: 'GET', path: '/decision-rules/versions/{version}', auth: { scopes: ['rules:read'] } },
    ],
    tableAccess: 'read-write',
    tablePartitions: [DECISION_RULES_PARTITION],
  },
];
