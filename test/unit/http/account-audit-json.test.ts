/**
 * A card account's events render the same wherever they are shown: in the wallet's audit trail
 * (audit-json.ts), and in the accounts function's answers and statements, which take only
 * account-audit-json.ts. The texts below are what audit-json.ts wrote before the two were split.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '#domain/wallet.ts';
import { accountEventJson, isAccountStoryEvent } from '#http/account-audit-json.ts';
import { auditEventJson } from '#http/audit-json.ts';

const at = Date.parse('2026-12-06T09:00:00Z');
const recorded = (version: number, type: string, data: unknown) =>
  ({
    walletId: 'acct-1',
    lane: 0,
    version,
    eventId: `e${version}`,
    recordedAtMs: at + version,
    idempotencyKey: `k${version}`,
    type,
    data,
  }) as RecordedEvent;

const EVENTS: RecordedEvent[] = [
  recorded(1, 'AccountOpened', { creditLimit: 100_000n, currency: 'EUR', occurredAtMs: at }),
  recorded(2, 'CreditLimitChanged', { creditLimit: 150_050n, previous: 100_000n, occurredAtMs: at }),
  recorded(3, 'AuthorizationDecided', {
    authorizationId: 'a1',
    amount: 1_234n,
    currency: 'EUR',
    merchant: { id: 'm1', name: 'Shop', mcc: '5411' },
    decision: 'approved',
    reasons: [],
    ruleSetVersion: 2,
    available: 148_816n,
    expiresAtMs: at + 86_400_000,
    occurredAtMs: at,
  }),
  recorded(4, 'HoldCaptured', {
    holdId: 'a1',
    asset: 'money',
    amount: 1_000n,
    released: 234n,
    occurredAtMs: at,
  }),
  recorded(5, 'HoldReleased', {
    holdId: 'a2',
    asset: 'money',
    amount: 99n,
    reason: 'expired',
    occurredAtMs: at,
  }),
  recorded(6, 'PaymentSubmitted', { paymentId: 'p1', amount: 5_000n, occurredAtMs: at }),
  recorded(7, 'PaymentReturned', { paymentId: 'p1', amount: 5_000n, reason: 'NSF', occurredAtMs: at }),
  recorded(8, 'PaymentReturnParked', { paymentId: 'p2', reason: 'early', occurredAtMs: at }),
];

const BEFORE_THE_SPLIT = [
  '{"eventId":"e1","type":"AccountOpened","lane":0,"version":1,"recordedAt":"2026-12-06T09:00:00.001Z","data":{"creditLimit":"1000","currency":"EUR","occurredAtMs":1796547600000}}',
  '{"eventId":"e2","type":"CreditLimitChanged","lane":0,"version":2,"recordedAt":"2026-12-06T09:00:00.002Z","data":{"creditLimit":"1500.5","previous":"1000","occurredAtMs":1796547600000}}',
  '{"eventId":"e3","type":"AuthorizationDecided","lane":0,"version":3,"recordedAt":"2026-12-06T09:00:00.003Z","data":{"authorizationId":"a1","amount":"12.34","currency":"EUR","merchant":{"id":"m1","name":"Shop","mcc":"5411"},"decision":"approved","reasons":[],"ruleSetVersion":2,"available":"1488.16","expiresAtMs":1796634000000,"occurredAtMs":1796547600000,"expiresAt":"2026-12-07T09:00:00.000Z"}}',
  '{"eventId":"e4","type":"HoldCaptured","lane":0,"version":4,"recordedAt":"2026-12-06T09:00:00.004Z","data":{"holdId":"a1","asset":"money","amount":"10","released":"2.34","occurredAtMs":1796547600000}}',
  '{"eventId":"e5","type":"HoldReleased","lane":0,"version":5,"recordedAt":"2026-12-06T09:00:00.005Z","data":{"holdId":"a2","asset":"money","amount":"0.99","reason":"expired","occurredAtMs":1796547600000}}',
  '{"eventId":"e6","type":"PaymentSubmitted","lane":0,"version":6,"recordedAt":"2026-12-06T09:00:00.006Z","data":{"paymentId":"p1","amount":"50","occurredAtMs":1796547600000}}',
  '{"eventId":"e7","type":"PaymentReturned","lane":0,"version":7,"recordedAt":"2026-12-06T09:00:00.007Z","data":{"paymentId":"p1","amount":"50","reason":"NSF","occurredAtMs":1796547600000}}',
  '{"eventId":"e8","type":"PaymentReturnParked","lane":0,"version":8,"recordedAt":"2026-12-06T09:00:00.008Z","data":{"paymentId":"p2","reason":"early","occurredAtMs":1796547600000}}',
];

describe("a card account's events in the audit JSON", () => {
  it.each(EVENTS.map((event, index) => [event.type, event, BEFORE_THE_SPLIT[index]] as const))(
    '%s renders as before, in the audit trail and in the accounts answers',
    (_type, event, before) => {
      expect(JSON.stringify(auditEventJson(event, new Map(), false))).toBe(before);
      if (!isAccountStoryEvent(event)) throw new Error(`${event.type} is an account event`);
      expect(JSON.stringify(accountEventJson(event))).toBe(before);
      // Service and admin callers of the audit trail see the key, right after recordedAt.
      const withKey = JSON.parse(JSON.stringify(auditEventJson(event, new Map(), true)));
      expect(Object.keys(withKey).slice(4, 6)).toEqual(['recordedAt', 'idempotencyKey']);
    },
  );

  it('knows no other event as an account one', () => {
    expect(isAccountStoryEvent(recorded(9, 'Deposited', { amountMinor: 1n, occurredAtMs: at }))).toBe(false);
    expect(isAccountStoryEvent(recorded(9, 'HoldPlaced', {}))).toBe(false);
  });
});
