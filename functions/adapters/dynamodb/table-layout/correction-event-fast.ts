import { type Fields, readFast } from './event-data-specs.ts';

/**
 * The event item's fast path (event-item-fast.ts) for a correction's events, which the corrections
 * function adds to it (composition/corrections.ts): the shapes of event-item-schema.ts checked field
 * by field, as the schema reads them. A corrected wallet holds them, and a correction reads the
 * wallet's whole log: one is enough to send a cold start's read down the schema path (its lazy
 * chunk and ~140 schemas built, ~3 ms CPU). Not in every function's bundle: the others meet them
 * rarely, and some bundles are at their size goal.
 */
const SPECS: Record<string, Fields> = {
  EventCorrected: [
    [
      'target',
      [
        ['eventId', 't'],
        ['lane', 'i'],
        ['version', 'i'],
        ['type', ['Deposited', 'FactRecorded']],
      ],
    ],
    ['action', ['void', 'amend']],
    ['reason', 't'],
    [
      'deposit',
      [
        ['amountMinor', 'b'],
        ['occurredAtMs', 'i'],
      ],
      1,
    ],
    [
      'fact',
      [
        ['occurredAtMs', 'i'],
        ['dataJson', 't'],
      ],
      1,
    ],
  ],
  // A fact's correction adjusts its awards.
  PointsAdjusted: [
    ['points', 'b'],
    ['factId', 't'],
    ['ruleId', 't'],
    ['ruleSetVersion', 'i'],
    ['ruleTextHash', 't'],
    ['cause', ['correction', 'backtest']],
    ['causeId', 't'],
  ],
};

/** Adds a correction's events to the event item's fast path. */
export const readCorrectionEventsFast = (): void => readFast(SPECS);
