/**
 * The wallet aggregate, one import away: its events (wallet/events.ts), commands
 * (wallet/commands.ts), the state decisions need (wallet/state.ts), `evolve` (wallet/evolve.ts)
 * and `decide` (wallet/decide.ts). Pure: no I/O, no clock.
 */
export { assertNever } from './assert-never.ts';
export * from './wallet/adjustments.ts';
export * from './wallet/commands.ts';
export * from './wallet/decide.ts';
export * from './wallet/events.ts';
export * from './wallet/evolve.ts';
export * from './wallet/ledger.ts';
export * from './wallet/payment-types.ts';
export * from './wallet/payments.ts';
export * from './wallet/refunds.ts';
export * from './wallet/state.ts';
export * from './wallet/trading.ts';
