import { describe, expect, it } from 'vitest';
import type { WalletCommand, WalletEvent } from '#domain/wallet.ts';
import {
  adjusted,
  awarded,
  corrected,
  deposited,
  factRecorded,
  given,
  log,
  type Place,
  rejectedWith,
  target,
} from './spec.ts';

type Correct = WalletCommand & { type: 'Correct' };

const correct = (reference: string, action: 'void' | 'amend', more: Partial<Correct> = {}): Correct => ({
  type: 'Correct',
  walletId: 'w1',
  reference,
  action,
  reason: 'because',
  correctionId: 'cor-1',
  ...more,
});

/** Without its place: what decide returns. */
const bare = <E extends WalletEvent>({ type, data }: E & Place) => ({ type, data }) as E;

// e1: a deposit (Idempotency-Key k-1), e2: one in lane 2 that came as CloudEvent ce-d,
// e3: a fact decided by version 1, e4: its award.
const history = () =>
  log(
    deposited(1_000n, 10, { idempotencyKey: 'k-1' }),
    deposited(500n, 20, { lane: 2, factId: 'ce-d' }),
    factRecorded('ce-f', { occurredAtMs: 30, dataJson: '{"qty":12}', ruleSetVersion: 1 }),
    awarded('ce-f', 'volume', 60n, 1),
  );

const deposit1 = target('e1', 0, 1, 'Deposited');
const fact = target('e3', 0, 2, 'FactRecorded');
const rules = (ruleSetVersion: number, awards: [string, bigint][]) => ({
  ruleSetVersion,
  awards: awards.map(([ruleId, points]) => ({ ruleId, points, ruleTextHash: `${ruleId}@${ruleSetVersion}` })),
});

describe('wallet decider: Correct (rejections)', () => {
  it('rejects a wallet with no events', () => {
    given([])
      .when(correct('e1', 'void'))
      .thenRejects(rejectedWith('wallet_not_found', 'Wallet w1 has no events.'));
  });

  it('rejects a reference nothing in the log carries', () => {
    given(history()).when(correct('nope', 'void')).thenRejects(rejectedWith('event_not_found', 'nope'));
  });

  it('rejects an award: points follow their fact', () => {
    given(history())
      .when(correct('e4', 'void'))
      .thenRejects(rejectedWith('not_correctable', 'Event e4 is PointsAwarded'));
  });

  it('rejects amending a voided event', () => {
    given(log(...history(), corrected(deposit1, 'void')))
      .when(correct('e1', 'amend', { amend: { amountMinor: 5n } }))
      .thenRejects(rejectedWith('event_voided', 'Event e1 was voided'));
  });

  it('rejects amending a deposit with data, and a fact with an amount', () => {
    given(history())
      .when(correct('e1', 'amend', { amend: { dataJson: '{}' } }))
      .thenRejects(rejectedWith('invalid_amendment', 'not data'));
    given(history())
      .when(correct('e3', 'amend', { amend: { amountMinor: 5n }, rules: rules(1, []) }))
      .thenRejects(rejectedWith('invalid_amendment', 'not amount'));
  });
});

describe('wallet decider: Correct a deposit', () => {
  it('voids it: one EventCorrected naming the original by place and type', () => {
    given(history())
      .when(correct('e1', 'void'))
      .then([corrected(deposit1, 'void')]);
  });

  it('finds it by Idempotency-Key or CloudEvent id, in whatever lane it is', () => {
    given(history())
      .when(correct('k-1', 'void'))
      .then([corrected(deposit1, 'void')]);
    given(history())
      .when(correct('ce-d', 'void'))
      .then([corrected(target('e2', 2, 1, 'Deposited'), 'void')]);
  });

  it('amends its amount, keeping its time, and the money balance follows', () => {
    given(history())
      .when(correct('e1', 'amend', { amend: { amountMinor: 800n } }))
      .then([corrected(deposit1, 'amend', { deposit: { amountMinor: 800n, occurredAtMs: 10 } })]);
    given(history())
      .when(correct('e1', 'amend', { amend: { amountMinor: 800n } }))
      .thenStateMatches({ balances: { money: { balance: 1_300n, held: 0n, floor: 0n } } });
  });

  it('decides nothing for what already stands: the same void again, an amendment to the current values', () => {
    const voided = log(...history(), corrected(deposit1, 'void', {}, { eventId: 'c1' }));
    given(voided).when(correct('e1', 'void')).thenNothing();
    given(history())
      .when(correct('e1', 'amend', { amend: { amountMinor: 1_000n, occurredAtMs: 10 } }))
      .thenNothing();
  });

  it('compares an amendment with the latest correction, not the original', () => {
    const amended = log(
      ...history(),
      corrected(deposit1, 'amend', { deposit: { amountMinor: 800n, occurredAtMs: 10 } }, { eventId: 'c1' }),
    );
    given(amended)
      .when(correct('e1', 'amend', { amend: { amountMinor: 800n } }))
      .thenNothing();
    given(amended)
      .when(correct('e1', 'amend', { amend: { occurredAtMs: 99 } }))
      .then([corrected(deposit1, 'amend', { deposit: { amountMinor: 800n, occurredAtMs: 99 } })]);
  });
});

describe('wallet decider: Correct a fact', () => {
  it('voids it and takes back every point it holds, naming the correction as the cause', () => {
    given(history())
      .when(correct('ce-f', 'void', { rules: rules(1, []) }))
      .then([
        corrected(fact, 'void'),
        bare(adjusted('ce-f', 'volume', -60n, 1, { cause: 'correction', causeId: 'cor-1' })),
      ]);
  });

  it('amends its data: the adjustments bring its points to what the rules give the amended fact', () => {
    given(history())
      .when(
        correct('e3', 'amend', {
          amend: { dataJson: '{"qty":2}' },
          rules: rules(1, [
            ['volume', 10n],
            ['small', 1n],
          ]),
        }),
      )
      .then([
        corrected(fact, 'amend', { fact: { occurredAtMs: 30, dataJson: '{"qty":2}' } }),
        bare(adjusted('ce-f', 'volume', -50n, 1, { cause: 'correction', causeId: 'cor-1' })),
        bare(adjusted('ce-f', 'small', 1n, 1, { cause: 'correction', causeId: 'cor-1' })),
      ]);
  });

  it('writes only the correction when the points do not change', () => {
    given(history())
      .when(correct('e3', 'amend', { amend: { occurredAtMs: 31 }, rules: rules(1, [['volume', 60n]]) }))
      .then([corrected(fact, 'amend', { fact: { occurredAtMs: 31, dataJson: '{"qty":12}' } })]);
  });

  it('decides nothing for an amendment to what it already is', () => {
    given(history())
      .when(correct('e3', 'amend', { amend: { dataJson: '{"qty":12}' } }))
      .thenNothing();
  });

  it('folds the adjustments into the points balance', () => {
    given(history())
      .when(correct('ce-f', 'void', { rules: rules(1, []) }))
      .thenStateMatches({ balances: { points: { balance: 0n, held: 0n, floor: 0n } } });
  });

  it('cannot be decided without the rules verdict (a bug in the caller, not a rejection)', () => {
    given(history())
      .when(correct('ce-f', 'void'))
      .thenThrows(Error, (error) => expect(error.message).toContain("needs the rules' verdict"));
  });
});
