/**
 * A card account's statement as its owner reads it: what happened, newest first (its balance is
 * statement.ts). Pure: a function of the log and of the time of reading, which is passed in. In a
 * module of its own: the accounts function loads it with the first statement it lists.
 */
import type { RecordedEvent } from '../wallet.ts';
import type { CardEventType } from './events.ts';

export type StatementKind =
  | 'account-opened'
  | 'credit-limit-changed'
  | 'authorization'
  | 'capture'
  | 'void'
  | 'expiry'
  | 'payment'
  | 'payment-return'
  | 'payment-return-parked';

export interface StatementLine {
  kind: StatementKind;
  /** An account's own event, or the end of an approval's hold. */
  event: RecordedEvent & { type: CardEventType | 'HoldCaptured' | 'HoldReleased' };
  /** For an authorization: what became of it (`pending` until captured, voided or expired). */
  status?: 'pending' | 'captured' | 'voided' | 'expired' | 'declined';
}

/** The account's lines, newest first (lane 0 is the account's whole story: version order). */
export function statementOf(log: readonly RecordedEvent[], nowMs: number): StatementLine[] {
  const lane0 = log.filter((event) => event.lane === 0).sort((a, b) => a.version - b.version);
  const ends = new Map<string, 'captured' | 'voided' | 'expired'>();
  const authorizations = new Set<string>();
  const lines: StatementLine[] = [];
  for (const event of lane0) {
    switch (event.type) {
      case 'AccountOpened':
        lines.push({ kind: 'account-opened', event });
        break;
      case 'CreditLimitChanged':
        lines.push({ kind: 'credit-limit-changed', event });
        break;
      case 'AuthorizationDecided':
        authorizations.add(event.data.authorizationId);
        lines.push({ kind: 'authorization', event });
        break;
      case 'HoldCaptured':
        if (!authorizations.has(event.data.holdId)) break;
        ends.set(event.data.holdId, 'captured');
        lines.push({ kind: 'capture', event });
        break;
      case 'HoldReleased': {
        if (!authorizations.has(event.data.holdId)) break;
        const expired = event.data.reason === 'expired';
        ends.set(event.data.holdId, expired ? 'expired' : 'voided');
        lines.push({ kind: expired ? 'expiry' : 'void', event });
        break;
      }
      case 'PaymentSubmitted':
        lines.push({ kind: 'payment', event });
        break;
      case 'PaymentReturned':
        lines.push({ kind: 'payment-return', event });
        break;
      case 'PaymentReturnParked':
        lines.push({ kind: 'payment-return-parked', event });
        break;
      default:
        break;
    }
  }
  for (const line of lines) {
    if (line.event.type !== 'AuthorizationDecided') continue;
    const { data } = line.event;
    line.status =
      data.decision === 'declined'
        ? 'declined'
        : (ends.get(data.authorizationId) ?? (nowMs >= data.expiresAtMs ? 'expired' : 'pending'));
  }
  return lines.reverse();
}
