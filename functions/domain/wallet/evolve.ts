/**
 * Folds a wallet's recorded events into the state its commands are decided against. Events come
 * lane by lane (lane 0 first), so a correction may arrive before the deposit it names: every
 * entry is keyed by place (`lane:version`) and balances are settled whichever comes first.
 */
import { assertNever } from '../assert-never.ts';
import { isCardEvent } from '../card/events.ts';
import { applyCard } from '../card/evolve.ts';
import type { CardAccount } from '../card/state.ts';
import type { HeldPoints } from './adjustments.ts';
import type { RecordedEvent } from './events.ts';
import type { Payment } from './payment-types.ts';
import { applyPayment, isPaymentEvent } from './payments.ts';
import {
  type AssetBalance,
  type CorrectableEvent,
  effectiveDeposit,
  type Hold,
  placeKey,
  type WalletState,
} from './state.ts';
import { applyTrading, isTradingEvent } from './trading.ts';

/** A state being folded: fresh copies of the collections of the state it started from. */
interface Draft {
  version: number;
  lanes: Record<number, number>;
  money: AssetBalance;
  points: AssetBalance;
  references: Map<string, RecordedEvent>;
  correctables: Map<string, CorrectableEvent>;
  corrections: Map<string, RecordedEvent & { type: 'EventCorrected' }>;
  heldPoints: Map<string, ReadonlyMap<string, HeldPoints>>;
  firstAwardVersions: Map<string, number>;
  applications: (RecordedEvent & { type: 'RulesApplied' })[];
  holds: Map<string, Hold>;
  payments: Map<string, Payment>;
  account: CardAccount | undefined;
}

const draftOf = (state: WalletState): Draft => ({
  version: state.version,
  lanes: { ...state.lanes },
  money: { ...state.balances.money },
  points: { ...state.balances.points },
  references: new Map(state.references),
  correctables: new Map(state.correctables),
  corrections: new Map(state.corrections),
  heldPoints: new Map(state.points),
  firstAwardVersions: new Map(state.firstAwardVersions),
  applications: [...state.applications],
  holds: new Map(state.holds),
  payments: new Map(state.payments),
  account: state.account,
});

const stateOf = (draft: Draft): WalletState => ({
  version: draft.version,
  lanes: draft.lanes,
  balances: { money: draft.money, points: draft.points },
  references: draft.references,
  correctables: draft.correctables,
  corrections: draft.corrections,
  points: draft.heldPoints,
  firstAwardVersions: draft.firstAwardVersions,
  applications: draft.applications,
  holds: draft.holds,
  payments: draft.payments,
  account: draft.account,
});

/** The state after one more event. Pure: `state` is left as it was. */
export const evolve = (state: WalletState, event: RecordedEvent): WalletState => {
  const draft = draftOf(state);
  apply(draft, event);
  return stateOf(draft);
};

/**
 * The state after all of `events`: the same as reducing them with `evolve`, with the collections
 * copied once instead of once per event (a wallet's log may be long).
 */
export function foldWallet(events: Iterable<RecordedEvent>, from: WalletState): WalletState {
  const draft = draftOf(from);
  for (const event of events) apply(draft, event);
  return stateOf(draft);
}

/** A reference names the first deposit or fact it matches, else the first event. */
function remember(draft: Draft, reference: string | undefined, event: RecordedEvent): void {
  if (reference === undefined) return;
  const held = draft.references.get(reference);
  const correctable = (candidate: RecordedEvent) =>
    candidate.type === 'Deposited' || candidate.type === 'FactRecorded';
  if (held === undefined || (!correctable(held) && correctable(event)))
    draft.references.set(reference, event);
}

function apply(draft: Draft, event: RecordedEvent): void {
  draft.version++;
  draft.lanes[event.lane] = Math.max(draft.lanes[event.lane] ?? 0, event.version);
  remember(draft, event.eventId, event);
  remember(draft, event.idempotencyKey, event);
  if (isTradingEvent(event)) {
    const after = applyTrading({ money: draft.money, points: draft.points }, draft.holds, event);
    draft.money = after.money;
    draft.points = after.points;
    return;
  }
  if (isPaymentEvent(event)) {
    draft.points = applyPayment(draft.points, draft.payments, event);
    return;
  }
  if (isCardEvent(event)) {
    applyCard(draft, event);
    return;
  }
  switch (event.type) {
    case 'Deposited': {
      remember(draft, event.data.factId, event);
      draft.correctables.set(placeKey(event), event);
      const correction = draft.corrections.get(placeKey(event));
      draft.money = {
        ...draft.money,
        balance: draft.money.balance + effectiveDeposit(event, correction).amountMinor,
      };
      return;
    }
    case 'FactRecorded':
      remember(draft, event.data.factId, event);
      draft.correctables.set(placeKey(event), event);
      return;
    case 'PointsAwarded':
      if (!draft.firstAwardVersions.has(event.data.factId)) {
        draft.firstAwardVersions.set(event.data.factId, event.data.ruleSetVersion);
      }
      holdPoints(draft, event);
      return;
    case 'PointsAdjusted':
      holdPoints(draft, event);
      return;
    case 'EventCorrected': {
      const key = placeKey(event.data.target);
      const before = draft.corrections.get(key);
      if (before !== undefined && before.version > event.version) return;
      draft.corrections.set(key, event);
      // A deposit folded already: its amount in the balance moves to what this correction says.
      const target = draft.correctables.get(key);
      if (target?.type === 'Deposited') {
        const change =
          effectiveDeposit(target, event).amountMinor - effectiveDeposit(target, before).amountMinor;
        draft.money = { ...draft.money, balance: draft.money.balance + change };
      }
      return;
    }
    case 'RulesApplied': {
      const at = draft.applications.findLastIndex((applied) => applied.version < event.version);
      draft.applications.splice(at + 1, 0, event);
      return;
    }
    default:
      assertNever(event);
  }
}

function holdPoints(draft: Draft, event: RecordedEvent & { type: 'PointsAwarded' | 'PointsAdjusted' }): void {
  const { factId, ruleId, points, ruleTextHash, ruleSetVersion } = event.data;
  // Copied on write: the inner map may be shared with the state this draft started from.
  const byRule = new Map(draft.heldPoints.get(factId));
  const before = byRule.get(ruleId);
  // An adjustment names the rule set it brought the points to; keep the latest one.
  const latest = before === undefined || event.type === 'PointsAdjusted';
  byRule.set(ruleId, {
    points: (before?.points ?? 0n) + points,
    ruleTextHash: latest ? ruleTextHash : before.ruleTextHash,
    ruleSetVersion: latest ? ruleSetVersion : before.ruleSetVersion,
  });
  draft.heldPoints.set(factId, byRule);
  draft.points = { ...draft.points, balance: draft.points.balance + points };
}
