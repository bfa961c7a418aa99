/**
 * Ingest loads the CEL engine only for a fact that is a candidate for a rule needing evaluation:
 * the active rule set is built from its stored form's decisions (rules/stored-runtime.ts). Counted
 * at the CEL library itself: the environments built (rules/cel.ts builds its own when it is
 * imported, as the card decision rules do). This file imports what may load CEL only inside the
 * tests (`fresh`), after resetting the modules, so each test counts from a fresh process's state.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

const cel = vi.hoisted(() => ({ loads: 0 }));
vi.mock('@marcbachmann/cel-js', async (importOriginal) => {
  const original = await importOriginal<typeof import('@marcbachmann/cel-js')>();
  class CountedEnvironment extends original.Environment {
    constructor(...options: ConstructorParameters<typeof original.Environment>) {
      super(...options);
      cel.loads++;
    }
  }
  return { ...original, Environment: CountedEnvironment };
});

const T0 = 1_700_000_000_000;

/** Ingest over in-memory stores, from modules loaded anew (so the CEL library counts from 0). */
async function fresh(ruleSets = new InMemoryRuleSetStore()) {
  vi.resetModules();
  cel.loads = 0;
  const { inMemoryIngestDeps } = await import('../../support/ingest-deps.ts');
  const { ingestEvent } = await import('#app/ingest.ts');
  const deps = inMemoryIngestDeps(new InMemoryEventStore(), ruleSets, { nowMs: () => T0 });
  let next = 0;
  const ingest = async (type: string, data: unknown = {}) => {
    const outcome = await ingestEvent(deps, {
      specversion: '1.0',
      id: `ce-${++next}`,
      source: 'qa-app',
      type,
      subject: 'w1',
      time: '2026-11-22T10:00:00Z',
      data,
    });
    if (outcome.kind !== 'recorded') throw new Error(`not recorded: ${JSON.stringify(outcome)}`);
    return outcome.points;
  };
  return { ingest };
}

/** A rule set published as the rules routes and CLI publish it: text, hash and stored form. */
async function published(text: string): Promise<InMemoryRuleSetStore> {
  const { storedFormOf } = await import('#rules/rule-set.ts');
  const { sha256Hex } = await import('#adapters/dynamodb/event-hash.ts');
  const store = new InMemoryRuleSetStore();
  await store.publish({ text, textHash: sha256Hex(text), publishedAtMs: T0, form: storedFormOf(text) });
  return store;
}

beforeEach(() => {
  cel.loads = 0;
});

describe('ingest and the CEL engine', () => {
  it('scores facts with a one-liner-only rule set, and takes deposits, without loading CEL', async () => {
    const store = await published('event_type=="answer_is_liked", 250\nevent_type in ["a", "b"], 5\n');
    const { ingest } = await fresh(store);
    expect(await ingest('answer_is_liked')).toBe(250n);
    expect(await ingest('b')).toBe(5n);
    expect(await ingest('not_a_rule_type')).toBe(0n);
    expect(await ingest('wallet.deposit', { amount: '1.00' })).toBe(0n);
    expect(cel.loads).toBe(0);
  });

  it('loads CEL with the built-in rule set only for a fact its CEL rule may match (a trade)', async () => {
    const { ingest } = await fresh();
    expect(await ingest('answer_is_liked')).toBe(250n);
    expect(await ingest('wallet.deposit', { amount: '1.00' })).toBe(0n);
    expect(cel.loads).toBe(0);
    expect(await ingest('trade', { qty: 12 })).toBe(60n);
    expect(await ingest('trade', { qty: 3 })).toBe(0n);
    expect(cel.loads).toBeGreaterThan(0);
  });

  it('still reads a version published with a version 1 form (compiled with CEL, as before)', async () => {
    const { sha256Hex } = await import('#adapters/dynamodb/event-hash.ts');
    const text = 'event_type=="answer_is_liked", 250\nevent_type == "trade", data.qty\n';
    const v1 = JSON.stringify({
      v: 1,
      rules: [
        {
          line: 1,
          condition: { text: 'event_type=="answer_is_liked"', line: 1, column: 1 },
          points: { text: '250', line: 1, column: 32 },
        },
        {
          line: 2,
          condition: { text: 'event_type == "trade"', line: 2, column: 1 },
          points: { text: 'data.qty', line: 2, column: 24 },
        },
      ],
      flag: null,
    });
    const store = new InMemoryRuleSetStore();
    await store.publish({ text, textHash: sha256Hex(text), publishedAtMs: T0, form: v1 });
    const { ingest } = await fresh(store);
    expect(await ingest('answer_is_liked')).toBe(250n);
    expect(cel.loads).toBeGreaterThan(0);
    expect(await ingest('trade', { qty: 7 })).toBe(7n);
  });
});
