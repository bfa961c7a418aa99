import { describe, expect, it } from 'vitest';
import { accountActionOf, isAccountEventType } from '#app/card-ingest.ts';
import { DomainError } from '#domain/errors.ts';

describe('account CloudEvents → account actions', () => {
  it('maps the four types, amounts exact', () => {
    expect(
      accountActionOf({ type: 'account.opened', data: { creditLimit: 1000.1, currency: 'EUR' } }),
    ).toEqual({
      kind: 'open',
      creditLimit: 100_010n,
      currency: 'EUR',
    });
    expect(accountActionOf({ type: 'account.credit_limit_changed', data: { creditLimit: '0' } })).toEqual({
      kind: 'limit',
      creditLimit: 0n,
    });
    expect(accountActionOf({ type: 'payment.submitted', data: { paymentId: 'p1', amount: 300 } })).toEqual({
      kind: 'pay',
      paymentId: 'p1',
      amount: 30_000n,
    });
    expect(accountActionOf({ type: 'payment.returned', data: { paymentId: 'p1', reason: 'nsf' } })).toEqual({
      kind: 'return',
      paymentId: 'p1',
      reason: 'nsf',
    });
  });

  it('a negative limit reaches the decider (which refuses it); unknown types and bad data are refused', () => {
    expect(accountActionOf({ type: 'account.credit_limit_changed', data: { creditLimit: -5 } })).toEqual({
      kind: 'limit',
      creditLimit: -500n,
    });
    for (const event of [
      { type: 'account.closed', data: {} },
      { type: 'account.opened', data: { creditLimit: 'x', currency: 'EUR' } },
      { type: 'account.opened', data: { creditLimit: 1, currency: 'euro' } },
      { type: 'payment.submitted', data: { paymentId: 'p1' } },
      { type: 'payment.submitted', data: { paymentId: 'p1', amount: 0.001 } },
    ]) {
      const refused = accountActionOf(event);
      expect(refused, JSON.stringify(event)).toBeInstanceOf(DomainError);
      expect((refused as DomainError).code).toBe('invalid_account_event');
    }
    expect(isAccountEventType('payment.refunded')).toBe(true);
    expect(isAccountEventType('answer_is_liked')).toBe(false);
  });
});
