/**
 * Each use case hands the command handler its family's decider instead of the whole `decide`
 * (so a function bundles only that family): each must decide its commands exactly as `decide`
 * does, accepted or refused.
 */
import { describe, expect, it } from 'vitest';
import type { CardCommand } from '#domain/card/commands.ts';
import { type AccountCommand, decideAccount, decideCard } from '#domain/card/decide.ts';
import {
  type CreditCommand,
  type Decision,
  decide,
  decideCorrection,
  decideCredit,
  decideLedger,
  decidePayment,
  decidePaymentRequest,
  decidePurchase,
  decideRefund,
  decideSettlement,
  decideSettlementOrTransferIn,
  decideTrading,
  foldWallet,
  initialWalletState,
  type LedgerCommand,
  type PaymentCommand,
  type TradingCommand,
  type WalletCommand,
} from '#domain/wallet.ts';
import { deposited, log } from './spec.ts';

const state = foldWallet(
  log(deposited(500n, 1_000, { eventId: 'd-1' }), { type: 'FactRecorded', data: factData() }),
  initialWalletState(),
);

function factData() {
  return {
    factId: 'f-1',
    source: 'shop',
    factType: 'purchase',
    occurredAtMs: 2_000,
    dataJson: '{}',
    ruleSetVersion: 1,
  };
}

const ledger: LedgerCommand[] = [
  { type: 'Deposit', walletId: 'w1', amountMinor: 70n, occurredAtMs: 3_000 },
  {
    type: 'RecordFact',
    walletId: 'w1',
    fact: { id: 'f-2', source: 'shop', type: 'purchase', occurredAtMs: 3_000, dataJson: '{}' },
    ruleSetVersion: 1,
    awards: [{ ruleId: 'r1', points: 5n, ruleTextHash: 'h' }],
  },
  { type: 'Correct', walletId: 'w1', reference: 'd-1', action: 'void', reason: 'r', correctionId: 'c1' },
  { type: 'Correct', walletId: 'w1', reference: 'nope', action: 'void', reason: 'r', correctionId: 'c2' },
];
const trading: TradingCommand[] = [
  {
    type: 'PlaceHold',
    walletId: 'w1',
    asset: 'money',
    amount: 100n,
    holdId: 'h1',
    expiresAtMs: 9_000,
    occurredAtMs: 3_000,
  },
  {
    type: 'TransferOut',
    walletId: 'w1',
    asset: 'money',
    amount: 9_999n,
    transferId: 't1',
    to: 'w2',
    occurredAtMs: 3_000,
  },
  {
    type: 'TransferIn',
    walletId: 'w1',
    asset: 'points',
    amount: 3n,
    transferId: 't2',
    from: 'w2',
    occurredAtMs: 3_000,
  },
];
const payments: PaymentCommand[] = [
  {
    type: 'SettlePayment',
    walletId: 'w1',
    paymentId: 'p-unknown',
    outcome: 'succeeded',
    provider: 'sandbox',
    providerEventId: 'evt-1',
    paymentIntentId: 'pi-0',
    amountMinor: 100n,
    currency: 'EUR',
    occurredAtMs: 3_000,
  },
  {
    type: 'RequestPayment',
    walletId: 'w1',
    paymentId: 'p1',
    purpose: 'points-purchase',
    points: 10n,
    amountMinor: 100n,
    currency: 'EUR',
    provider: 'sandbox',
    paymentIntentId: 'pi-1',
    occurredAtMs: 3_000,
  },
  {
    type: 'RefundPayment',
    walletId: 'w1',
    paymentId: 'unknown',
    provider: 'sandbox',
    providerRefundId: 'r1',
    paymentIntentId: 'pi-9',
    refundedTotalMinor: 1n,
    currency: 'EUR',
    occurredAtMs: 3_000,
  },
];
/** An approval's capture and void (app/cards.ts), against a state with no such hold and with one. */
const accountHolds: AccountCommand[] = [
  { type: 'CaptureHold', walletId: 'w1', holdId: 'h-none', occurredAtMs: 3_000 },
  { type: 'ReleaseHold', walletId: 'w1', holdId: 'h-none', occurredAtMs: 3_000 },
];
const cards: CardCommand[] = [
  { type: 'OpenAccount', walletId: 'w1', creditLimit: 1_000n, currency: 'EUR', occurredAtMs: 3_000 },
  { type: 'ChangeCreditLimit', walletId: 'w1', creditLimit: 2_000n, occurredAtMs: 3_000 },
];

/** A refusal compared by code and text (DomainError instances are not structurally equal). */
const comparable = (decision: Decision) =>
  decision instanceof Error ? { refused: decision.code, message: decision.message } : decision;

describe("family deciders decide as 'decide' does", () => {
  it.each([
    ['decideLedger', ledger, (c: LedgerCommand) => decideLedger(c, state)],
    [
      'decideCredit',
      ledger.filter((c): c is CreditCommand => c.type === 'Deposit' || c.type === 'RecordFact'),
      (c: CreditCommand) => decideCredit(c),
    ],
    ['decideTrading', trading, (c: TradingCommand) => decideTrading(c, state)],
    ['decidePayment', payments, (c: PaymentCommand) => decidePayment(c, state)],
    ['decideCard', cards, (c: CardCommand) => decideCard(c, state)],
    ['decideAccount', [...cards, ...accountHolds], (c: AccountCommand) => decideAccount(c, state)],
  ] as const)('%s', (_name, commands, family) => {
    const outcomes = new Set<string>();
    for (const command of commands) {
      const ours = comparable(family(command as never));
      expect(ours).toEqual(comparable(decide(command, state)));
      outcomes.add('refused' in ours ? 'refused' : 'decided');
    }
    expect(outcomes.has('decided')).toBe(true);
  });
});

describe("the payment functions' deciders decide their commands as 'decide' does", () => {
  // payments and orders send RequestPayment alone, refunds RefundPayment, the webhook
  // SettlePayment (with an order's TransferIn): each bundles only its own decider.
  const ofType = <T extends PaymentCommand['type']>(type: T) =>
    payments.filter((c): c is PaymentCommand & { type: T } => c.type === type);
  const rows: [string, readonly WalletCommand[], (command: never) => Decision][] = [
    ['decidePaymentRequest', ofType('RequestPayment'), (c: never) => decidePaymentRequest(c, state)],
    [
      'decidePurchase',
      ofType('RequestPayment').filter((c) => c.order === undefined),
      (c: never) => decidePurchase(c, state),
    ],
    ['decideSettlement', ofType('SettlePayment'), (c: never) => decideSettlement(c, state)],
    ['decideRefund', ofType('RefundPayment'), (c: never) => decideRefund(c, state)],
    [
      'decideSettlementOrTransferIn',
      [...ofType('SettlePayment'), ...trading.filter((c) => c.type === 'TransferIn')],
      (c: never) => decideSettlementOrTransferIn(c, state),
    ],
  ];
  it.each(rows)('%s', (_name, commands, family) => {
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect(comparable(family(command as never))).toEqual(comparable(decide(command, state)));
    }
  });
});

it('decideCorrection decides a correction as decide() does', () => {
  const corrections = ledger.filter((c): c is LedgerCommand & { type: 'Correct' } => c.type === 'Correct');
  expect(corrections.length).toBeGreaterThan(0);
  for (const command of corrections) {
    expect(comparable(decideCorrection(command, state))).toEqual(comparable(decide(command, state)));
  }
});

it('decideAccount captures and voids an approval as decide() does', () => {
  // An open account with one approval: the hold app/cards.ts captures or voids.
  let account = initialWalletState();
  const apply = (command: WalletCommand) => {
    const decided = decide(command, account);
    if (decided instanceof Error) throw decided;
    account = foldWallet(log(...decided), account);
  };
  apply({ type: 'OpenAccount', walletId: 'w1', creditLimit: 1_000n, currency: 'EUR', occurredAtMs: 1_000 });
  apply({
    type: 'Authorize',
    walletId: 'w1',
    authorizationId: 'a-1',
    amount: 300n,
    currency: 'EUR',
    merchant: { id: 'm-1', mcc: '5411' },
    occurredAtMs: 2_000,
    expiresAtMs: 90_000,
    ruleSetVersion: 0,
    ruleDeclines: [],
  });
  const commands: AccountCommand[] = [
    { type: 'CaptureHold', walletId: 'w1', holdId: 'a-1', amount: 200n, occurredAtMs: 3_000 },
    { type: 'CaptureHold', walletId: 'w1', holdId: 'a-1', amount: 301n, occurredAtMs: 3_000 },
    { type: 'CaptureHold', walletId: 'w1', holdId: 'a-1', occurredAtMs: 95_000 },
    { type: 'ReleaseHold', walletId: 'w1', holdId: 'a-1', occurredAtMs: 3_000 },
  ];
  const decided = commands.map((command) => comparable(decideAccount(command, account)));
  expect(decided).toEqual(commands.map((command) => comparable(decide(command, account))));
  expect(decided.filter((outcome) => !('refused' in outcome))).toHaveLength(2);
});
