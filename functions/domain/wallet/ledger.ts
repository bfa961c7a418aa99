/**
 * The ledger's decider: deposits, facts and their points, corrections of either, rule sets
 * applied retroactively (LedgerCommand). Pure, as every decider (see decide.ts).
 */
import { DomainError } from '../errors.ts';
import { adjustmentsFor, covers, targetOf } from './adjustments.ts';
import type { CreditCommand, LedgerCommand } from './commands.ts';
import type { Decision } from './decision.ts';
import type { WalletEvent } from './events.ts';
import {
  amendedFact,
  applicationInForce,
  available,
  correctionOf,
  effectiveFact,
  effectiveFacts,
  findByReference,
  type WalletState,
} from './state.ts';

export function decideLedger(command: LedgerCommand, state: WalletState): Decision {
  switch (command.type) {
    case 'Deposit':
    case 'RecordFact':
      return decideCredit(command);
    case 'Correct':
      return decideCorrection(command, state);
    case 'ApplyRules':
      return applyRules(command, state);
  }
}

/**
 * A credit needs no state (nothing refuses it), so deposits and ingest, which send only credits,
 * bundle this and not the corrections' decisions.
 */
export function decideCredit(command: CreditCommand): Decision {
  return command.type === 'Deposit' ? deposit(command) : recordFact(command);
}

type CommandOf<T extends LedgerCommand['type']> = LedgerCommand & { type: T };

// Amount and id were validated on the way in (parseAmountMinor, parseWalletId); a credit needs no
// state to be accepted, and the floor only bounds what goes out.
const deposit = (command: CommandOf<'Deposit'>): WalletEvent[] => [
  {
    type: 'Deposited',
    data: {
      amountMinor: command.amountMinor,
      occurredAtMs: command.occurredAtMs,
      ...(command.factId === undefined ? {} : { factId: command.factId }),
    },
  },
];

// The fact is kept whole (rules can be replayed over it); each matching rule with points above
// zero becomes its own award, naming the rule and the rule set version.
function recordFact(command: CommandOf<'RecordFact'>): WalletEvent[] {
  const { fact } = command;
  const awards: WalletEvent[] = command.awards
    .filter((award) => award.points > 0n)
    .map((award) => ({
      type: 'PointsAwarded',
      data: {
        points: award.points,
        factId: fact.id,
        ruleId: award.ruleId,
        ruleSetVersion: command.ruleSetVersion,
        ruleTextHash: award.ruleTextHash,
      },
    }));
  return [
    {
      type: 'FactRecorded',
      data: {
        factId: fact.id,
        source: fact.source,
        factType: fact.type,
        occurredAtMs: fact.occurredAtMs,
        dataJson: fact.dataJson,
        ruleSetVersion: command.ruleSetVersion,
      },
    },
    ...awards,
  ];
}

/**
 * An EventCorrected naming the original (which stays as it was) and, for a fact, the PointsAdjusted
 * that bring its points to what its governing rule set gives it as corrected. Asking for what
 * already stands (the same correction again) decides nothing.
 */
/**
 * A correction of a deposit or fact (the corrections route sends it alone, so it bundles this and
 * not the credits' or the rules' applications).
 */
export function decideCorrection(command: CommandOf<'Correct'>, state: WalletState): Decision {
  if (state.version === 0) {
    return new DomainError('wallet_not_found', `Wallet ${command.walletId} has no events.`);
  }
  const found = findByReference(state, command.reference);
  if (found === undefined) {
    return new DomainError(
      'event_not_found',
      `No event of wallet ${command.walletId} has the id, CloudEvent id or Idempotency-Key ${command.reference}.`,
    );
  }
  if (found.type !== 'Deposited' && found.type !== 'FactRecorded') {
    return new DomainError(
      'not_correctable',
      `Event ${found.eventId} is ${found.type}; only deposits and facts can be corrected (points follow their fact; a rule change is a backtest).`,
    );
  }
  const { correction, voided } = correctionOf(state, found);
  if (voided) {
    if (command.action === 'void') return [];
    return new DomainError(
      'event_voided',
      `Event ${found.eventId} was voided; a voided event cannot be amended.`,
    );
  }
  const corrected: WalletEvent & { type: 'EventCorrected' } = {
    type: 'EventCorrected',
    data: { target: targetOf(found), action: command.action, reason: command.reason },
  };
  const amend = command.amend ?? {};
  if (found.type === 'Deposited') {
    const current = correction?.data.deposit ?? found.data;
    if (command.action === 'amend') {
      if (amend.dataJson !== undefined) {
        return new DomainError(
          'invalid_amendment',
          'A deposit is amended with amount and/or time, not data.',
        );
      }
      const amended = {
        amountMinor: amend.amountMinor ?? current.amountMinor,
        occurredAtMs: amend.occurredAtMs ?? current.occurredAtMs,
      };
      if (amended.amountMinor === current.amountMinor && amended.occurredAtMs === current.occurredAtMs)
        return [];
      corrected.data.deposit = amended;
    }
    const change = (corrected.data.deposit?.amountMinor ?? 0n) - current.amountMinor;
    return refusedBelowFloor(state, 'money', change, command) ?? [corrected];
  }

  const fact = effectiveFact(state, found);
  if (fact === undefined) throw new Error('unreachable: a fact that is not voided is effective');
  if (command.action === 'amend') {
    if (amend.amountMinor !== undefined) {
      return new DomainError('invalid_amendment', 'A fact is amended with data and/or time, not amount.');
    }
    const amended = amendedFact(fact, amend);
    if (amended.dataJson === fact.dataJson && amended.occurredAtMs === fact.occurredAtMs) return [];
    corrected.data.fact = { occurredAtMs: amended.occurredAtMs, dataJson: amended.dataJson };
  }
  // What the fact should hold comes from the rules (evaluated by the app, see factToCorrect); a
  // voided fact holds nothing.
  const { rules } = command;
  if (rules === undefined)
    throw new Error(`Correct: correcting fact ${fact.factId} needs the rules' verdict`);
  const adjustments = adjustmentsFor(
    fact.factId,
    state.points.get(fact.factId),
    command.action === 'amend' ? rules.awards : [],
    rules.ruleSetVersion,
    'correction',
    command.correctionId,
  );
  const change = adjustments.reduce((sum, adjustment) => sum + adjustment.points, 0n);
  return (
    refusedBelowFloor(state, 'points', change, command) ?? [
      corrected,
      ...adjustments.map((data): WalletEvent => ({ type: 'PointsAdjusted', data })),
    ]
  );
}

/**
 * A correction that takes back what was already spent or held is refused, as a spend would be:
 * `available = balance − held` may not end below the asset's floor (0n for a wallet, −creditLimit
 * for a card account). Taking it anyway would leave a negative balance nobody agreed to, and the
 * ledger would have to chase the difference outside itself; refused, the operator sees the
 * shortfall and first reverses the spend (a transfer back, a release) or corrects by less. Holds
 * count while active, expired or not: a correction carries no time of its own to lapse them by,
 * and the sweep or the next spend ends them. Raising a balance is never refused.
 */
function refusedBelowFloor(
  state: WalletState,
  asset: 'money' | 'points',
  change: bigint,
  command: CommandOf<'Correct'> | CommandOf<'ApplyRules'>,
  what = `Correcting ${'reference' in command ? command.reference : ''}`,
): DomainError | undefined {
  if (change >= 0n) return undefined;
  const position = state.balances[asset];
  const after = available(position) + change;
  if (after >= position.floor) return undefined;
  const unit = asset === 'money' ? ' (minor units)' : '';
  return new DomainError(
    'correction_below_floor',
    `${what} takes ${-change} ${asset}${unit} from wallet ${command.walletId}, which has ${available(position)} available (balance ${position.balance} − held ${position.held}); it would end ${position.floor - after} below its floor ${position.floor}. Reverse the spend first, or correct by less.`,
  );
}

/**
 * First the differences between what the facts in range hold and what the version gives them,
 * at most `eventsMax` at once; once none are left, the marker that the version governs those facts
 * (unless there are none, or it is the latest application already: applying twice decides nothing).
 */
function applyRules(command: CommandOf<'ApplyRules'>, state: WalletState): Decision {
  const application = { ruleSetVersion: command.ruleSetVersion, ...command.range };
  const adjustments: WalletEvent[] = [];
  let factsInRange = 0;
  for (const fact of effectiveFacts(state)) {
    if (!covers(command.range, fact.occurredAtMs)) continue;
    factsInRange++;
    // A fact a rule failed on is left as it is.
    const awards = command.awards.get(fact.factId);
    if (awards === undefined) continue;
    const held = state.points.get(fact.factId);
    for (const data of adjustmentsFor(
      fact.factId,
      held,
      awards,
      command.ruleSetVersion,
      'backtest',
      command.causeId,
    )) {
      adjustments.push({ type: 'PointsAdjusted', data });
    }
    if (adjustments.length >= command.eventsMax) break;
  }
  if (adjustments.length > 0) {
    const batch = adjustments.slice(0, command.eventsMax);
    // Taking points back retroactively follows the corrections' floor rule: what was spent or is
    // held is not taken back (refused, naming the shortfall), never a negative balance.
    const change = batch.reduce(
      (sum, event) => sum + (event.type === 'PointsAdjusted' ? event.data.points : 0n),
      0n,
    );
    return (
      refusedBelowFloor(
        state,
        'points',
        change,
        command,
        `Applying rule set version ${command.ruleSetVersion}`,
      ) ?? batch
    );
  }
  if (factsInRange === 0 || applicationInForce(state, application)) return [];
  return [{ type: 'RulesApplied', data: { ...application, causeId: command.causeId } }];
}
