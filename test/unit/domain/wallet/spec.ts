/**
 * The wallet decider under the given-when-then spec, and builders for the histories the specs
 * give: events placed in a wallet's log (lane, version, id) as the store would hand them back.
 */
import { expect } from 'vitest';
import { DomainError, isDomainError } from '#domain/errors.ts';
import {
  type CorrectionTarget,
  decide,
  evolve,
  initialWalletState,
  lane0Version,
  type RecordedEvent,
  type WalletCommand,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';
import { DeciderSpecification } from '../../../support/given-when-then.ts';

export const given = DeciderSpecification.for<
  WalletCommand,
  WalletEvent,
  WalletState,
  RecordedEvent,
  DomainError
>(
  { decide, evolve, initialState: initialWalletState },
  {
    isRejection: isDomainError,
    // Decided events land in lane 0 after the given ones (the lane-0 commands' lane).
    record: (event, index, before) => ({
      ...event,
      walletId: 'w1',
      lane: 0,
      version: lane0Version(before) + 1 + index,
      eventId: `decided-${index + 1}`,
      recordedAtMs: 1_000_000,
    }),
  },
);

export interface Place {
  lane?: number;
  eventId?: string;
  recordedAtMs?: number;
  idempotencyKey?: string;
}

/**
 * A wallet's log: each event in its lane (0 unless said), at the next version of that lane, with
 * id `e<n>` and record time `n` seconds unless said.
 */
export function log(...entries: (WalletEvent & Place)[]): RecordedEvent[] {
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
      eventId: entry.eventId ?? `e${index + 1}`,
      recordedAtMs: entry.recordedAtMs ?? (index + 1) * 1_000,
    } as RecordedEvent;
  });
}

export const deposited = (
  amountMinor: bigint,
  occurredAtMs: number,
  place: Place & { factId?: string } = {},
) => {
  const { factId, ...rest } = place;
  return {
    type: 'Deposited' as const,
    data: { amountMinor, occurredAtMs, ...(factId === undefined ? {} : { factId }) },
    ...rest,
  };
};

export const factRecorded = (
  factId: string,
  fact: { occurredAtMs?: number; dataJson?: string; ruleSetVersion?: number; factType?: string } = {},
  place: Place = {},
) => ({
  type: 'FactRecorded' as const,
  data: {
    factId,
    source: 'app',
    factType: fact.factType ?? 'trade',
    occurredAtMs: fact.occurredAtMs ?? 1_000,
    dataJson: fact.dataJson ?? '{"qty":1}',
    ...(fact.ruleSetVersion === undefined ? {} : { ruleSetVersion: fact.ruleSetVersion }),
  },
  ...place,
});

export const awarded = (
  factId: string,
  ruleId: string,
  points: bigint,
  ruleSetVersion = 1,
  place: Place = {},
) => ({
  type: 'PointsAwarded' as const,
  data: { points, factId, ruleId, ruleSetVersion, ruleTextHash: `${ruleId}@${ruleSetVersion}` },
  ...place,
});

export const adjusted = (
  factId: string,
  ruleId: string,
  points: bigint,
  ruleSetVersion: number,
  /** `ruleTextHash`: an adjustment taking back a rule's points names the text that gave them. */
  cause: { cause: 'correction' | 'backtest'; causeId: string; ruleTextHash?: string },
  place: Place = {},
) => ({
  type: 'PointsAdjusted' as const,
  data: { points, factId, ruleId, ruleSetVersion, ruleTextHash: `${ruleId}@${ruleSetVersion}`, ...cause },
  ...place,
});

export const target = (
  eventId: string,
  lane: number,
  version: number,
  type: CorrectionTarget['type'],
): CorrectionTarget => ({ eventId, lane, version, type });

export const corrected = (
  of: CorrectionTarget,
  action: 'void' | 'amend',
  change: {
    deposit?: { amountMinor: bigint; occurredAtMs: number };
    fact?: { occurredAtMs: number; dataJson: string };
  } = {},
  place: Place = {},
) => ({
  type: 'EventCorrected' as const,
  data: { target: of, action, reason: 'because', ...change },
  ...place,
});

export const rulesApplied = (
  ruleSetVersion: number,
  causeId: string,
  range: { fromMs?: number; toMs?: number } = {},
  place: Place = {},
) => ({
  type: 'RulesApplied' as const,
  data: { ruleSetVersion, ...range, causeId },
  ...place,
});

/** Asserts a rejection's code (and, optionally, part of its detail). */
export const rejectedWith =
  (code: DomainError['code'], detail?: string | RegExp) =>
  (rejection: DomainError): void => {
    expect(rejection).toBeInstanceOf(DomainError);
    expect(rejection.code).toBe(code);
    if (detail !== undefined) expect(rejection.detail).toMatch(detail);
  };
