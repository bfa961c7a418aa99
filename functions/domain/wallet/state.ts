/**
 * What deciding a wallet command needs to know, folded from its events (see evolve.ts), and the
 * questions decide and the app ask of it. Nothing here is a read model: balances are kept because
 * debits will be decided against them, the rest because corrections and rule applications are.
 */
import type { CardAccount } from '../card/state.ts';
import { covers, type EffectiveFact, type HeldPoints } from './adjustments.ts';
import type { Asset, OfferTerms } from './commands.ts';
import type { RecordedEvent, WalletEventType } from './events.ts';
import type { Payment } from './payment-types.ts';

type Recorded<T extends WalletEventType> = RecordedEvent & { type: T };

/** A deposit or fact: what a correction may name. */
export type CorrectableEvent = Recorded<'Deposited'> | Recorded<'FactRecorded'>;

/**
 * One asset's position. `balance` is credits minus debits (corrections included); `held` is
 * reserved by holds not yet captured or released; `floor` is the lowest `balance − held` may
 * reach: 0n for a wallet, −creditLimit for a card account (AccountOpened, CreditLimitChanged).
 */
export interface AssetBalance {
  balance: bigint;
  held: bigint;
  floor: bigint;
}

/** What can be spent now: balance less what holds reserve. */
export const available = (asset: AssetBalance): bigint => asset.balance - asset.held;

export interface WalletState {
  /** How many events were folded. */
  version: number;
  /** The head version of each lane folded: lane-0 commands are decided against lane 0's. */
  lanes: Readonly<Record<number, number>>;
  /** Money in minor units; points as awarded and adjusted. */
  balances: { money: AssetBalance; points: AssetBalance };
  /**
   * What a reference (an event id, a CloudEvent id, an Idempotency-Key) names: the first deposit
   * or fact it matches, else the first event it matches.
   */
  references: ReadonlyMap<string, RecordedEvent>;
  /** Deposits and facts in log order, by `lane:version`. */
  correctables: ReadonlyMap<string, CorrectableEvent>;
  /** The correction in force for each corrected event (the latest in lane 0), by the target's `lane:version`. */
  corrections: ReadonlyMap<string, Recorded<'EventCorrected'>>;
  /** Points held per fact and rule: awards plus adjustments. */
  points: ReadonlyMap<string, ReadonlyMap<string, HeldPoints>>;
  /** The rule set version of each fact's first award (facts recorded before facts named it). */
  firstAwardVersions: ReadonlyMap<string, number>;
  /** Retroactive applications, oldest first (all in lane 0). */
  applications: readonly Recorded<'RulesApplied'>[];
  /** Every hold ever placed, by hold id: a hold id is used once, and ends once. */
  holds: ReadonlyMap<string, Hold>;
  /** Every payment through a provider, by payment id (see payments.ts). */
  payments: ReadonlyMap<string, Payment>;
  /** Set once the wallet is opened as a card account (domain/card): its terms, authorizations, payments. */
  account: CardAccount | undefined;
}

/** A hold as its events left it (see trading.ts). */
export interface Hold {
  holdId: string;
  asset: Asset;
  amount: bigint;
  expiresAtMs: number;
  status: 'active' | 'captured' | 'released' | 'expired';
  /** Set when the hold backs an offer. */
  offer?: OfferTerms;
  /** Who took a captured hold (the buyer of an offer), when the capture named one. */
  counterparty?: string;
}

const zero = (): AssetBalance => ({ balance: 0n, held: 0n, floor: 0n });

export const initialWalletState = (): WalletState => ({
  version: 0,
  lanes: {},
  balances: { money: zero(), points: zero() },
  references: new Map(),
  correctables: new Map(),
  corrections: new Map(),
  points: new Map(),
  firstAwardVersions: new Map(),
  applications: [],
  holds: new Map(),
  payments: new Map(),
  account: undefined,
});

export const placeKey = (event: { lane: number; version: number }): string =>
  `${event.lane}:${event.version}`;

/** Lane 0's head version: what lane-0 appends are conditioned on. */
export const lane0Version = (state: WalletState): number => state.lanes[0] ?? 0;

/** The event a reference names (see `WalletState.references`). */
export const findByReference = (state: WalletState, reference: string): RecordedEvent | undefined =>
  state.references.get(reference);

/** The correction in force for a deposit or fact, and whether it voids it. */
export function correctionOf(
  state: WalletState,
  target: CorrectableEvent,
): { correction?: Recorded<'EventCorrected'>; voided: boolean } {
  const correction = state.corrections.get(placeKey(target));
  return correction === undefined
    ? { voided: false }
    : { correction, voided: correction.data.action === 'void' };
}

/** A deposit's amount and event time as its correction left them (0n when voided). */
export function effectiveDeposit(
  deposit: Recorded<'Deposited'>,
  correction: Recorded<'EventCorrected'> | undefined,
): { amountMinor: bigint; occurredAtMs: number } {
  if (correction?.data.action === 'void') return { amountMinor: 0n, occurredAtMs: deposit.data.occurredAtMs };
  return correction?.data.deposit ?? deposit.data;
}

/** A fact as rules see it now (data and time as corrected, its governing version), or undefined when voided. */
export function effectiveFact(state: WalletState, fact: Recorded<'FactRecorded'>): EffectiveFact | undefined {
  const { correction, voided } = correctionOf(state, fact);
  if (voided) return undefined;
  const amended = correction?.data.fact;
  const occurredAtMs = amended?.occurredAtMs ?? fact.data.occurredAtMs;
  // The latest retroactive application recorded after the fact and covering its (corrected) time
  // governs it; else the version that first decided it.
  const ruleSetVersion =
    state.applications.findLast(
      (applied) => covers(applied.data, occurredAtMs) && fact.recordedAtMs <= applied.recordedAtMs,
    )?.data.ruleSetVersion ??
    fact.data.ruleSetVersion ??
    state.firstAwardVersions.get(fact.data.factId);
  return {
    recorded: fact,
    factId: fact.data.factId,
    source: fact.data.source,
    factType: fact.data.factType,
    occurredAtMs,
    dataJson: amended?.dataJson ?? fact.data.dataJson,
    ...(ruleSetVersion === undefined ? {} : { ruleSetVersion }),
  };
}

/** Every fact not voided, in log order, as rules see it now. */
export function effectiveFacts(state: WalletState): EffectiveFact[] {
  const facts: EffectiveFact[] = [];
  for (const event of state.correctables.values()) {
    if (event.type !== 'FactRecorded') continue;
    const fact = effectiveFact(state, event);
    if (fact !== undefined) facts.push(fact);
  }
  return facts;
}

/** True when the latest retroactive application is this one: applying it again needs no marker. */
export function applicationInForce(
  state: WalletState,
  application: { ruleSetVersion: number; fromMs?: number; toMs?: number },
): boolean {
  const latest = state.applications.at(-1);
  return (
    latest !== undefined &&
    latest.data.ruleSetVersion === application.ruleSetVersion &&
    latest.data.fromMs === application.fromMs &&
    latest.data.toMs === application.toMs
  );
}

/**
 * The fact a `Correct` command would change, as it would stand afterwards, when deciding it needs
 * the rules: the app evaluates the fact's governing rule set (`ruleSetVersion`, or the active one
 * when the log does not say) on `fact` and passes the verdict in the command. Undefined when the
 * command would be rejected, would change nothing, or names a deposit: decide says which.
 */
export function factToCorrect(
  state: WalletState,
  command: {
    reference: string;
    action: 'void' | 'amend';
    amend?: { amountMinor?: bigint; occurredAtMs?: number; dataJson?: string };
  },
): { fact: EffectiveFact; ruleSetVersion?: number; evaluate: boolean } | undefined {
  const target = findByReference(state, command.reference);
  if (target?.type !== 'FactRecorded') return undefined;
  const fact = effectiveFact(state, target);
  if (fact === undefined) return undefined;
  const version = fact.ruleSetVersion === undefined ? {} : { ruleSetVersion: fact.ruleSetVersion };
  if (command.action === 'void') return { fact, ...version, evaluate: false };
  const amend = command.amend ?? {};
  if (amend.amountMinor !== undefined) return undefined;
  const amended = amendedFact(fact, amend);
  if (amended.dataJson === fact.dataJson && amended.occurredAtMs === fact.occurredAtMs) return undefined;
  return { fact: amended, ...version, evaluate: true };
}

/** A fact with an amendment's data and time over its own. */
export const amendedFact = (
  fact: EffectiveFact,
  amend: { occurredAtMs?: number; dataJson?: string },
): EffectiveFact => ({
  ...fact,
  dataJson: amend.dataJson ?? fact.dataJson,
  occurredAtMs: amend.occurredAtMs ?? fact.occurredAtMs,
});
