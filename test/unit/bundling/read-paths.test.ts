/**
 * What a function reads with, apart from what only some reads or some functions need (issue 13 §4,
 * the 150 KB line), pinned on the bundles the stack deploys:
 * - the event item schema (every stored shape, with the card and payment item schemas) loads with
 *   the first item the fast path does not read (adapters/dynamodb/table-layout/event-item.ts), not
 *   at a cold start: about 4.5 KB of every event-store function's; but the writers whose own events
 *   are of those shapes (the lane-0 writers, composition/lane-zero.ts, and the two-wallet ones,
 *   composition/two-wallet.ts), whose wallets nearly always hold one, have it in their cold start;
 * - the functions that read rule sets and never publish (ingest, the views' thresholds,
 *   corrections, jobs, card decisions) take the reader (adapters/dynamodb/rule-set-reader.ts) and
 *   bundle no publish (adapters/dynamodb/rule-sets.ts).
 */
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/wiring.ts';
import { functionBundle } from '../../support/function-bundles.ts';

const LAYOUT = 'functions/adapters/dynamodb/table-layout/';
const EVENT_ITEM = `${LAYOUT}event-item.ts`;
const SCHEMA_PATH = [
  `${LAYOUT}event-item-schema.ts`,
  `${LAYOUT}card-event-items.ts`,
  `${LAYOUT}payment-event-items.ts`,
];

/** Writers of events the fast path does not read: the schema is in their cold start. */
const WRITERS_OF_OTHER_SHAPES = [
  'transfers',
  'holds',
  'offers',
  'payments',
  'orders',
  'payment-webhook',
  'accounts',
  'sweep-expiries',
];

describe('the event item schema', () => {
  it.each(FUNCTIONS.map((spec) => spec.name).filter((name) => !WRITERS_OF_OTHER_SHAPES.includes(name)))(
    '%s, if it reads events, loads the schema with the first item the fast path does not read',
    async (name) => {
      const { inputs, eagerInputs } = await functionBundle(name);
      if (!inputs.includes(EVENT_ITEM)) return;
      expect(SCHEMA_PATH.filter((file) => (eagerInputs[file] ?? 0) > 0)).toEqual([]);
      // Still shipped: an item of another shape is read by the chunk beside index.mjs.
      expect(inputs).toContain(SCHEMA_PATH[0]);
    },
    120_000,
  );

  it.each(WRITERS_OF_OTHER_SHAPES)(
    '%s writes events of those shapes: the schema is in its cold start',
    async (name) => {
      const { eagerInputs } = await functionBundle(name);
      expect(SCHEMA_PATH.filter((file) => (eagerInputs[file] ?? 0) > 0)).toEqual(SCHEMA_PATH);
    },
    120_000,
  );
});

const READER = 'functions/adapters/dynamodb/rule-set-reader.ts';
const PUBLISHER = 'functions/adapters/dynamodb/rule-sets.ts';

describe('the rule-set store', () => {
  it.each([
    'ingest-queue',
    'ingest-kafka',
    'corrections',
    'run-jobs',
    'backtest',
    'wallets',
    'details',
    'replay',
    'project-streams',
    'accounts',
  ])(
    '%s reads rule sets and never publishes: the reader, no publish',
    async (name) => {
      const { inputs } = await functionBundle(name);
      expect(inputs).toContain(READER);
      expect(inputs).not.toContain(PUBLISHER);
    },
    120_000,
  );

  it.each(['rules', 'decision-rules'])(
    '%s publishes: it bundles the store that does',
    async (name) => {
      const { eagerInputs } = await functionBundle(name);
      expect(eagerInputs[PUBLISHER] ?? 0).toBeGreaterThan(0);
    },
    120_000,
  );
});
