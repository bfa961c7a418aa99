import { describe, expect, it } from 'vitest';
import {
  effectiveFacts,
  evolve,
  factToCorrect,
  findByReference,
  foldWallet,
  initialWalletState,
  type RecordedEvent,
} from '#domain/wallet.ts';
import { adjusted, awarded, corrected, deposited, factRecorded, log, rulesApplied, target } from './spec.ts';

const fold = (events: RecordedEvent[]) => foldWallet(events, initialWalletState());

describe('wallet evolve: the state commands are decided against', () => {
  it('starts empty: version 0, no lanes, zero balances with no holds and a floor of 0', () => {
    const state = initialWalletState();
    expect(state.version).toBe(0);
    expect(state.lanes).toEqual({});
    expect(state.balances).toEqual({
      money: { balance: 0n, held: 0n, floor: 0n },
      points: { balance: 0n, held: 0n, floor: 0n },
    });
  });

  it('adds exactly the minor amount: 0.1 + 0.2 deposited is 30 minor units', () => {
    const state = log(deposited(10n, 1), deposited(20n, 2)).reduce(evolve, initialWalletState());
    expect(state.version).toBe(2);
    expect(state.balances.money.balance).toBe(30n);
  });

  it('keeps the head of every lane', () => {
    const state = fold(log(deposited(1n, 1), deposited(1n, 2, { lane: 3 }), deposited(1n, 3, { lane: 3 })));
    expect(state.lanes).toEqual({ 0: 1, 3: 2 });
  });

  it('is pure: the input state is not modified', () => {
    const before = fold(log(factRecorded('f1'), awarded('f1', 'volume', 10n)));
    const snapshot = structuredClone(before);
    evolve(
      before,
      log(factRecorded('f1'), awarded('f1', 'volume', 10n), awarded('f1', 'volume', 5n))[2] as RecordedEvent,
    );
    expect(before).toEqual(snapshot);
  });

  it('foldWallet is reduce(evolve)', () => {
    const events = log(
      deposited(100n, 1, { idempotencyKey: 'k' }),
      factRecorded('f1', { ruleSetVersion: 1 }),
      awarded('f1', 'volume', 10n),
      corrected(target('e1', 0, 1, 'Deposited'), 'amend', { deposit: { amountMinor: 40n, occurredAtMs: 1 } }),
      adjusted('f1', 'volume', 5n, 2, { cause: 'backtest', causeId: 'b' }),
      rulesApplied(2, 'b'),
      deposited(7n, 9, { lane: 4 }),
    );
    expect(fold(events)).toEqual(events.reduce(evolve, initialWalletState()));
  });

  it('rejects an unknown event variant', () => {
    const bogus = {
      type: 'Withdrawn',
      data: {},
      lane: 0,
      version: 1,
      eventId: 'x',
    } as unknown as RecordedEvent;
    expect(() => evolve(initialWalletState(), bogus)).toThrow('Unhandled variant: Withdrawn');
  });
});

describe('wallet evolve: corrections', () => {
  it('a void takes the deposit out of the money balance; an amendment puts its new amount in', () => {
    const events = log(deposited(100n, 1), deposited(50n, 2));
    const voided = fold(log(...events, corrected(target('e1', 0, 1, 'Deposited'), 'void')));
    expect(voided.balances.money.balance).toBe(50n);
    const amended = fold(
      log(
        ...events,
        corrected(target('e2', 0, 2, 'Deposited'), 'amend', {
          deposit: { amountMinor: 5n, occurredAtMs: 2 },
        }),
      ),
    );
    expect(amended.balances.money.balance).toBe(105n);
  });

  it('settles a correction read before the deposit it names (lane 0 is read before lane 2)', () => {
    const events = log(
      corrected(target('d', 2, 1, 'Deposited'), 'amend', { deposit: { amountMinor: 30n, occurredAtMs: 5 } }),
      deposited(100n, 5, { lane: 2, eventId: 'd' }),
    );
    expect(fold(events).balances.money.balance).toBe(30n);
  });

  it('keeps the latest correction (highest lane-0 version), whatever order they come in', () => {
    const [amend, voids, deposit] = log(
      corrected(target('d', 2, 1, 'Deposited'), 'amend', { deposit: { amountMinor: 30n, occurredAtMs: 5 } }),
      corrected(target('d', 2, 1, 'Deposited'), 'void', {}, { eventId: 'c2' }),
      deposited(100n, 5, { lane: 2, eventId: 'd' }),
    ) as [RecordedEvent, RecordedEvent, RecordedEvent];
    const state = fold([voids, amend, deposit]);
    expect(state.corrections.get('2:1')?.eventId).toBe('c2');
    expect(state.balances.money.balance).toBe(0n);
  });
});

describe('wallet evolve: references and facts', () => {
  it('a reference names the deposit or fact over the awards written with it, whatever the order', () => {
    const events = log(
      awarded('f1', 'volume', 10n, 1, { idempotencyKey: 'k' }),
      factRecorded('f1', {}, { idempotencyKey: 'k' }),
    );
    expect(findByReference(fold(events), 'k')?.type).toBe('FactRecorded');
    expect(findByReference(fold(events), 'f1')?.type).toBe('FactRecorded');
    expect(findByReference(fold(events), 'e1')?.type).toBe('PointsAwarded');
    expect(findByReference(fold(events), 'nothing')).toBeUndefined();
  });

  it('a fact is governed by its own version, else its first award, else the latest application after it that covers it', () => {
    const events = log(
      factRecorded('own', { occurredAtMs: 10, ruleSetVersion: 1 }),
      factRecorded('old', { occurredAtMs: 20 }),
      awarded('old', 'volume', 1n, 3),
      factRecorded('none', { occurredAtMs: 30 }),
    );
    expect(effectiveFacts(fold(events)).map((fact) => [fact.factId, fact.ruleSetVersion])).toEqual([
      ['own', 1],
      ['old', 3],
      ['none', undefined],
    ]);
    const applied = log(...events, rulesApplied(4, 'b', { fromMs: 15 }, { recordedAtMs: 99_000 }));
    expect(effectiveFacts(fold(applied)).map((fact) => fact.ruleSetVersion)).toEqual([1, 4, 4]);
  });

  it('factToCorrect: the amended fact and its governing version, only when the rules must be asked', () => {
    const state = fold(
      log(factRecorded('f1', { dataJson: '{"qty":1}', ruleSetVersion: 2 }), deposited(1n, 1)),
    );
    expect(
      factToCorrect(state, { reference: 'f1', action: 'amend', amend: { dataJson: '{"qty":3}' } }),
    ).toMatchObject({
      fact: { factId: 'f1', dataJson: '{"qty":3}' },
      ruleSetVersion: 2,
      evaluate: true,
    });
    expect(factToCorrect(state, { reference: 'f1', action: 'void' })).toMatchObject({
      evaluate: false,
      ruleSetVersion: 2,
    });
    // Nothing to evaluate: unchanged, an amount for a fact, a deposit, nothing found.
    expect(
      factToCorrect(state, { reference: 'f1', action: 'amend', amend: { dataJson: '{"qty":1}' } }),
    ).toBeUndefined();
    expect(
      factToCorrect(state, { reference: 'f1', action: 'amend', amend: { amountMinor: 1n } }),
    ).toBeUndefined();
    expect(factToCorrect(state, { reference: 'e2', action: 'void' })).toBeUndefined();
    expect(factToCorrect(state, { reference: 'x', action: 'void' })).toBeUndefined();
  });
});
