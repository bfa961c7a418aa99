/**
 * The wallet decider: commands in, events out, state folded from events. Pure: no I/O, no clock —
 * the time of a command is one of its fields.
 */

/** Events are past tense and carry everything a read model needs; amounts in minor units. */
export type WalletEvent = {
  type: 'Deposited';
  data: {
    amountMinor: bigint;
    /** Event time: when the deposit happened (the intake time for `POST /deposit`). */
    occurredAtMs: number;
  };
};

export type WalletEventType = WalletEvent['type'];

/**
 * An event as the store holds it: the domain event plus its place in the wallet's log.
 *
 * A wallet's log is made of lanes. Lane 0 always exists; when writers race for one wallet, the
 * losers move their deposits to further lanes so that they stop contending. Each lane is a dense,
 * hash-chained stream of its own. Deposits commute, so read models are functions of the set of
 * events, whatever lane they are in; anything that must be decided against an exact state
 * (debits, later) stays in lane 0, where optimistic concurrency serialises it.
 */
export type RecordedEvent = WalletEvent & {
  walletId: string;
  lane: number;
  /** 1-based, dense within the lane: the n-th event of a lane has version n. */
  version: number;
  eventId: string;
  recordedAtMs: number;
  idempotencyKey?: string;
};

export type WalletCommand = {
  type: 'Deposit';
  walletId: string;
  amountMinor: bigint;
  occurredAtMs: number;
};

/** What deciding a command needs to know. Deposits need nothing; debits (later) need the balance. */
export interface WalletState {
  version: number;
  balanceMinor: bigint;
}

export const initialWalletState = (): WalletState => ({ version: 0, balanceMinor: 0n });

export function decide(command: WalletCommand, _state: WalletState): WalletEvent[] {
  switch (command.type) {
    case 'Deposit':
      // Amount and id were validated on the way in (parseAmountMinor, parseWalletId); a deposit
      // needs no state to be accepted.
      return [
        { type: 'Deposited', data: { amountMinor: command.amountMinor, occurredAtMs: command.occurredAtMs } },
      ];
    default:
      return assertNever(command.type);
  }
}

export function evolve(state: WalletState, event: WalletEvent): WalletState {
  switch (event.type) {
    case 'Deposited':
      return { version: state.version + 1, balanceMinor: state.balanceMinor + event.data.amountMinor };
    default:
      return assertNever(event.type);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled variant: ${String(value)}`);
}
