import { type Fields, readFast } from './event-data-specs.ts';

/**
 * The event item's fast path (event-item-fast.ts) for a transfer's two events, which the functions
 * that read logs holding them add to it (their compositions): the shapes of event-item-schema.ts
 * checked field by field, as the schema reads them. A wallet that ever sent or received a transfer
 * holds them, and one is enough to send a cold start's read down the schema path (its lazy chunk and
 * ~140 schemas built, 3-5 ms CPU: stop 24's profiles of details, wallets, transactions, holds, the
 * ingests and the checkpoint pass). Not in every function's bundle: some are at their size goal.
 */
const ASSETS = ['money', 'points'];
const SPECS: Record<string, Fields> = {
  TransferredOut: [
    ['transferId', 't'],
    ['asset', ASSETS],
    ['amount', 'b'],
    ['to', 't'],
    ['occurredAtMs', 'i'],
    ['memo', 't', 1],
  ],
  TransferredIn: [
    ['transferId', 't'],
    ['asset', ASSETS],
    ['amount', 'b'],
    ['from', 't'],
    ['occurredAtMs', 'i'],
    ['memo', 't', 1],
  ],
};

/** Adds a transfer's events to the event item's fast path. */
export const readTransferEventsFast = (): void => readFast(SPECS);
