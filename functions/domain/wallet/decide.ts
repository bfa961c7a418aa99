/**
 * The wallet decider: a command and the state folded from the wallet's events in, the events that
 * record what happened (or a DomainError saying why nothing may) out. Pure: no I/O, no clock;
 * time, ids and what the rules say are fields of the command. No events and no error means the
 * wallet already stands as asked: nothing to write.
 *
 * Adding a spend (hold, transfer, card authorization) is adding a command of the same kind:
 * 1. commands.ts: a variant, e.g. `{ type: 'Spend'; walletId; asset: 'money' | 'points';
 *    amount: bigint; spendId: string; occurredAtMs }` (a hold: `Hold` / `Capture` / `Release`).
 * 2. events.ts: the past-tense event it records, e.g. `Spent` (`HoldPlaced`, …).
 * 3. evolve.ts: the event moves `balances[asset].balance` (a hold moves `held`); the compiler
 *    points at the switch, which ends in `assertNever`.
 * 4. trading.ts: a `case` that rejects with a new code in errors.ts (say `insufficient_funds`) when
 *    `balance − held − amount < floor` (`floor` is 0n for a wallet, −creditLimit for an account),
 *    else returns the event; and outcomes.ts gets the code's HTTP status and queue outcome.
 * 5. here: the type joins its family's case. The app sends it through the command handler, with
 *    the family's decider (WalletWrite.decide), in lane 0 (`placement: 'lane-0'`): a debit does
 *    not commute, so it is decided against lane 0's exact head and re-decided on a conflict.
 */
import { assertNever } from '../assert-never.ts';
import { decideCard } from '../card/decide.ts';
import type { WalletCommand } from './commands.ts';
import type { Decision } from './decision.ts';
import { decideLedger } from './ledger.ts';
import { decidePayment } from './payments.ts';
import type { WalletState } from './state.ts';
import { decideTrading } from './trading.ts';

export type { Decider, Decision } from './decision.ts';

/**
 * Every command, to its family's decider. Tests, simulations and anything that may be asked any
 * command use it; a use case passes the command handler its family's decider instead
 * (WalletWrite.decide), so a function's bundle holds only the deciders it can call.
 */
export function decide(command: WalletCommand, state: WalletState): Decision {
  switch (command.type) {
    case 'Deposit':
    case 'RecordFact':
    case 'Correct':
    case 'ApplyRules':
      return decideLedger(command, state);
    case 'PlaceHold':
    case 'CaptureHold':
    case 'ReleaseHold':
    case 'ExpireHold':
    case 'TransferOut':
    case 'TransferIn':
      return decideTrading(command, state);
    case 'RequestPayment':
    case 'SettlePayment':
    case 'RefundPayment':
      return decidePayment(command, state);
    case 'OpenAccount':
    case 'ChangeCreditLimit':
    case 'Authorize':
    case 'SubmitPayment':
    case 'ReturnPayment':
      return decideCard(command, state);
    default:
      return assertNever(command);
  }
}
