/**
 * What a decider answers, and the shape of one: a command and the state folded from the wallet's
 * events in, the events to record (none: the wallet already stands as asked) or a DomainError out.
 * Each command family has its decider (ledger.ts, trading.ts, payments.ts, card/decide.ts); a use
 * case hands the command handler the one its commands need, so a function bundles only that.
 */
import type { DomainError } from '../errors.ts';
import type { WalletCommand } from './commands.ts';
import type { WalletEvent } from './events.ts';
import type { WalletState } from './state.ts';

export type Decision = readonly WalletEvent[] | DomainError;

export type Decider<C extends WalletCommand> = (command: C, state: WalletState) => Decision;
