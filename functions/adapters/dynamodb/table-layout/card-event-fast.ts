import { type Fields, readFast } from './event-data-specs.ts';

/**
 * The card events most card-account logs hold (card-event-items.ts's shapes, checked field by field
 * as the schema reads them), for the event item's fast path: a checkpoint pass reads each wallet's
 * checkpointed head, a card account's often one of these, and one such item sent a cold pass's read
 * down the schema path (its lazy chunk and ~140 schemas built). Added by the functions that walk
 * every kind of wallet (composition/checkpoint-wallets.ts); returns and the rarer shapes take the
 * schema.
 */
/** An array of texts, checked by index (a hole, which `every` skips, is no text). */
function texts(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  for (let at = 0; at < value.length; at++) if (typeof value[at] !== 'string') return undefined;
  return [...value];
}

const CARD_SPECS: Record<string, Fields> = {
  AccountOpened: [
    ['creditLimit', 'b'],
    ['currency', 't'],
    ['occurredAtMs', 'i'],
  ],
  CreditLimitChanged: [
    ['creditLimit', 'b'],
    ['previous', 'b'],
    ['occurredAtMs', 'i'],
  ],
  AuthorizationDecided: [
    ['authorizationId', 't'],
    ['amount', 'b'],
    ['currency', 't'],
    [
      'merchant',
      [
        ['id', 't'],
        ['name', 't', 1],
        ['mcc', 't'],
      ],
    ],
    ['decision', ['approved', 'declined']],
    ['reasons', texts],
    ['ruleSetVersion', 'i'],
    ['available', 'b'],
    ['expiresAtMs', 'i'],
    ['occurredAtMs', 'i'],
  ],
  PaymentSubmitted: [
    ['paymentId', 't'],
    ['amount', 'b'],
    ['occurredAtMs', 'i'],
  ],
};

/** Adds the card events to the event item's fast path. */
export const readCardEventsFast = (): void => readFast(CARD_SPECS);
