/**
 * What may be asked of a card account. As everywhere in the decider, time and ids come in the
 * command, and so does what the decision rules said: the app evaluates the CEL rule set against
 * the purchase and the account's state (rules are loaded from a store) and passes the ids of the
 * rules that declined. The credit check is the decider's own: it is the invariant.
 *
 * All are decided in lane 0 against the account's exact state (see decide.ts). Amounts are minor
 * units, > 0n (validated on the way in). Capture, void and expiry of an authorization are the
 * wallet's CaptureHold / ReleaseHold / ExpireHold on the hold the approval placed.
 */
import type { Merchant } from './events.ts';

export type CardCommand =
  | {
      type: 'OpenAccount';
      walletId: string;
      creditLimit: bigint;
      currency: string;
      occurredAtMs: number;
    }
  | { type: 'ChangeCreditLimit'; walletId: string; creditLimit: bigint; occurredAtMs: number }
  | {
      type: 'Authorize';
      walletId: string;
      authorizationId: string;
      amount: bigint;
      currency: string;
      merchant: Merchant;
      occurredAtMs: number;
      /** When an approval not captured by then is released. */
      expiresAtMs: number;
      /** The decision rule set version evaluated, and the ids of its rules that declined. */
      ruleSetVersion: number;
      ruleDeclines: readonly string[];
    }
  | { type: 'SubmitPayment'; walletId: string; paymentId: string; amount: bigint; occurredAtMs: number }
  | { type: 'ReturnPayment'; walletId: string; paymentId: string; reason: string; occurredAtMs: number };

export type CardCommandType = CardCommand['type'];

export const CARD_COMMAND_TYPES = [
  'OpenAccount',
  'ChangeCreditLimit',
  'Authorize',
  'SubmitPayment',
  'ReturnPayment',
] as const satisfies readonly CardCommandType[];
