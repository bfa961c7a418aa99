/**
 * What a function reads with, apart from what only some reads or some functions need (issue 13 §4,
 * the 150 KB line), pinned on the bundles the stack deploys:
 * - the event item schema (every stored shape, with the card and payment item schemas) loads with
 *   the first item the fast path does not read (adapters/dynamodb/table-layout/event-item.ts), not
 *   at a cold start: about 4.5 KB of every event-store function's.
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

describe('the event item schema', () => {
  it.each(FUNCTIONS.map((spec) => spec.name))(
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
});
