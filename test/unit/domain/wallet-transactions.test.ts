import { describe, expect, it } from 'vitest';
import type { RecordedEvent, WalletEvent } from '#domain/wallet.ts';
import { movementsOf } from '#domain/wallet-transactions.ts';

function log(...entries: (WalletEvent & { lane?: number })[]): RecordedEvent[] {
  const heads = new Map<number, number>();
  return entries.map((entry, index) => {
    const lane = entry.lane ?? 0;
    const version = (heads.get(lane) ?? 0) + 1;
    heads.set(lane, version);
    return {
      ...entry,
      walletId: 'w1',
      lane,
      version,
      eventId: `e${index}`,
      recordedAtMs: index * 10,
    } as RecordedEvent;
  });
}

describe('movementsOf', () => {
  it('gives one signed line per movement, newest first, with kind and counterparty', () => {
    const lines = movementsOf(
      log(
        { type: 'Deposited', data: { amountMinor: 1_000n, occurredAtMs: 0 } },
        {
          type: 'PointsAwarded',
          data: { points: 250n, factId: 'f', ruleId: 'r', ruleSetVersion: 1, ruleTextHash: 'x' },
        },
        {
          type: 'TransferredOut',
          data: { transferId: 't1', asset: 'money', amount: 300n, to: 'w2', occurredAtMs: 0 },
        },
        {
          type: 'TransferredIn',
          data: { transferId: 'offer:o1', asset: 'points', amount: 50n, from: 'w3', occurredAtMs: 0 },
        },
        {
          type: 'HoldPlaced',
          data: { holdId: 'h', asset: 'money', amount: 100n, expiresAtMs: 9, occurredAtMs: 0 },
        },
        {
          type: 'HoldCaptured',
          data: { holdId: 'h', asset: 'money', amount: 60n, released: 40n, occurredAtMs: 0 },
        },
        {
          type: 'EventCorrected',
          data: {
            target: { eventId: 'e0', lane: 0, version: 1, type: 'Deposited' },
            action: 'amend',
            reason: 'typo',
            deposit: { amountMinor: 1_200n, occurredAtMs: 0 },
          },
        },
        {
          type: 'EventCorrected',
          data: {
            target: { eventId: 'e0', lane: 0, version: 1, type: 'Deposited' },
            action: 'void',
            reason: 'dup',
          },
        },
      ),
    );
    expect(lines.map((line) => [line.kind, line.asset, line.amount, line.counterparty])).toEqual([
      ['correction', 'money', -1_200n, null],
      ['correction', 'money', 200n, null],
      ['capture', 'money', -60n, null],
      ['hold', 'money', 100n, null],
      ['trade', 'points', 50n, 'w3'],
      ['transfer-out', 'money', -300n, 'w2'],
      ['award', 'points', 250n, null],
      ['deposit', 'money', 1_000n, null],
    ]);
    expect(lines[0]?.event).toEqual({
      eventId: 'e7',
      type: 'EventCorrected',
      lane: 0,
      version: 8,
      recordedAtMs: 70,
    });
  });
});
