import { beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets, RULES_REFRESH_MS } from '#app/active-rules.ts';
import type { CloudEvent } from '#app/cloud-event.ts';
import { DEFAULT_RULES_TEXT } from '#app/default-rules.ts';
import { HeadCache } from '#app/head-cache.ts';
import { scopedKey } from '#app/idempotency.ts';
import { type IngestDeps, type IngestOutcome, ingestEvent } from '#app/ingest.ts';
import { DomainError } from '#domain/errors.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { rebuildView } from '#domain/wallet-view.ts';
import { compileRuleSet } from '#rules/rule-set.ts';
import type { CompiledRule } from '#rules/types.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

const T0 = 1_700_000_000_000;

let store: InMemoryEventStore;
let ruleSets: InMemoryRuleSetStore;
let nowMs: number;
let deps: IngestDeps;

beforeEach(() => {
  store = new InMemoryEventStore();
  ruleSets = new InMemoryRuleSetStore();
  nowMs = T0;
  const clock = { nowMs: () => nowMs };
  let ids = 0;
  deps = {
    store,
    clock,
    ids: { newId: () => `evt-${++ids}` },
    heads: new HeadCache(),
    retry: { attemptsMax: 12, backoffBaseMs: 1, backoffCapMs: 1, sleep: async () => {}, random: () => 0.5 },
    rules: new ActiveRuleSets(ruleSets, clock, sha256Hex),
    hash: sha256Hex,
    canonicalJson,
  };
});

function shippedRule(condition: string): CompiledRule {
  const compiled = compileRuleSet(DEFAULT_RULES_TEXT, { hash: sha256Hex });
  if (!compiled.ok) throw new Error('the shipped rules do not compile');
  const rule = compiled.ruleSet.rules.find((candidate) => candidate.condition === condition);
  if (rule === undefined) throw new Error(`no shipped rule ${condition}`);
  return rule;
}

const cloudEvent = (overrides: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0',
  id: 'ce-1',
  source: 'qa-app',
  type: 'answer_is_liked',
  subject: 'w1',
  time: '2026-11-22T10:00:00Z',
  data: { answerId: 'a-7' },
  ...overrides,
});

async function publish(text: string): Promise<void> {
  const outcome = await ruleSets.publish({ text, textHash: sha256Hex(text), publishedAtMs: nowMs });
  expect(outcome.kind).toBe('published');
  // Let the running ActiveRuleSets see it.
  nowMs += RULES_REFRESH_MS;
}

function recorded(outcome: IngestOutcome) {
  if (outcome.kind !== 'recorded') throw new Error(`expected recorded, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const strip = (events: RecordedEvent[]) => events.map(({ type, data }) => ({ type, data }));

describe('ingestEvent: facts and rules', () => {
  it('records answer_is_liked with 250 points that name fact, rule, rule set version and rule text hash', async () => {
    const seed = shippedRule('event_type=="answer_is_liked"');
    const outcome = recorded(await ingestEvent(deps, cloudEvent()));

    expect(outcome.points).toBe(250n);
    expect(outcome.walletId).toBe('w1');
    const expected = [
      {
        type: 'FactRecorded',
        data: {
          factId: 'ce-1',
          source: 'qa-app',
          factType: 'answer_is_liked',
          occurredAtMs: Date.parse('2026-11-22T10:00:00Z'),
          dataJson: '{"answerId":"a-7"}',
          ruleSetVersion: 0,
        },
      },
      {
        type: 'PointsAwarded',
        data: {
          points: 250n,
          factId: 'ce-1',
          ruleId: seed.id,
          ruleSetVersion: 0,
          ruleTextHash: seed.ruleTextHash,
        },
      },
    ];
    expect(strip(store.storedEvents('w1'))).toEqual(expected);
    expect(strip(outcome.events)).toEqual(expected);
    expect(store.storedEvents('w1').every((event) => event.idempotencyKey === 'ce-1')).toBe(true);
    expect(seed.ruleTextHash).toMatch(/^[0-9a-f]{64}$/);
    expect(seed.id).toBe(`r-${seed.ruleTextHash.slice(0, 10)}`);
    expect(outcome.response.statusCode).toBe(202);
    expect(JSON.parse(outcome.response.body)).toMatchObject({ id: 'ce-1', walletId: 'w1', points: '250' });
  });

  it('records a fact no rule matches with no award and 0 points', async () => {
    const outcome = recorded(await ingestEvent(deps, cloudEvent({ type: 'question_asked' })));
    expect(outcome.points).toBe(0n);
    expect(store.storedEvents('w1').map((event) => event.type)).toEqual(['FactRecorded']);
  });

  it('uses the clock for a fact without time', async () => {
    const { time: _time, ...untimed } = cloudEvent();
    recorded(await ingestEvent(deps, untimed));
    const [fact] = store.storedEvents('w1');
    expect(fact?.type === 'FactRecorded' && fact.data.occurredAtMs).toBe(T0);
  });

  it('gives one award per matching rule, in file order, under the published version', async () => {
    await publish('event_type=="answer_is_liked", 250\ntype == "answer_is_liked" && subject == "w1", 7\n');
    const outcome = recorded(await ingestEvent(deps, cloudEvent()));
    expect(outcome.points).toBe(257n);
    const awards = store.storedEvents('w1').filter((event) => event.type === 'PointsAwarded');
    expect(awards.map((award) => award.data)).toEqual([
      expect.objectContaining({ points: 250n, ruleSetVersion: 1, factId: 'ce-1' }),
      expect.objectContaining({ points: 7n, ruleSetVersion: 1, factId: 'ce-1' }),
    ]);
    expect(new Set(awards.map((award) => award.data.ruleId)).size).toBe(2);
  });

  it('scores the shipped trade rule from data: 5 points per unit from 10 units', async () => {
    const big = recorded(
      await ingestEvent(deps, cloudEvent({ id: 't-1', type: 'trade', data: { qty: 12 } })),
    );
    const small = recorded(
      await ingestEvent(deps, cloudEvent({ id: 't-2', type: 'trade', data: { qty: 9 } })),
    );
    expect([big.points, small.points]).toEqual([60n, 0n]);
  });

  it('rejects a fact a rule fails on (a type error) with a reason naming the rule, and writes nothing', async () => {
    const outcome = await ingestEvent(deps, cloudEvent({ type: 'trade', data: { qty: '12' } }));
    expect(outcome).toEqual({
      kind: 'rejected',
      error: expect.objectContaining({
        code: 'rule_failed',
        detail: expect.stringContaining('rule trade-volume (line 9, rule set version 0): type_error'),
      }),
    });
    expect(outcome.kind === 'rejected' && outcome.error).toBeInstanceOf(DomainError);
    expect(store.eventCount()).toBe(0);
    expect(await store.findIdempotency('ce-1')).toBeUndefined();
  });

  it('rejects a fact whose data a rule cannot evaluate (a text qty), and writes nothing', async () => {
    const outcome = await ingestEvent(deps, cloudEvent({ type: 'trade', data: { qty: 'ten' } }));
    expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'rule_failed' } });
    expect(outcome.kind === 'rejected' && outcome.error.detail).toContain('no such overload');
    expect(store.eventCount()).toBe(0);
  });

  it('records a fact without the optional key the shipped rule guards (has(data.qty)), awarding nothing', async () => {
    const outcome = recorded(await ingestEvent(deps, cloudEvent({ type: 'trade', data: {} })));
    expect(outcome.points).toBe(0n);
    expect(store.eventCount()).toBe(1);
  });
});

describe('ingestEvent: wallet.deposit', () => {
  it('records a Deposited with the event time and the CloudEvent id', async () => {
    const outcome = recorded(
      await ingestEvent(
        deps,
        cloudEvent({
          id: 'dep-1',
          type: 'wallet.deposit',
          time: '2026-11-22T10:00:05.250Z',
          data: { amount: '0.1' },
        }),
      ),
    );
    expect(outcome.points).toBe(0n);
    expect(strip(store.storedEvents('w1'))).toEqual([
      {
        type: 'Deposited',
        data: { amountMinor: 10n, occurredAtMs: Date.parse('2026-11-22T10:00:05.250Z'), factId: 'dep-1' },
      },
    ]);
  });

  it('takes the clock as the event time when time is absent', async () => {
    const { time: _time, ...untimed } = cloudEvent({ type: 'wallet.deposit', data: { amount: 5 } });
    recorded(await ingestEvent(deps, untimed));
    expect(strip(store.storedEvents('w1'))).toEqual([
      { type: 'Deposited', data: { amountMinor: 500n, occurredAtMs: T0, factId: 'ce-1' } },
    ]);
  });

  it.each([
    ['too many fraction digits', { amount: '0.001' }],
    ['negative', { amount: '-1' }],
    ['zero', { amount: 0 }],
    ['not a number', { amount: 'ten' }],
    ['missing', {}],
    ['no data', undefined],
  ])('rejects an amount that is %s as invalid-deposit, writing nothing', async (_name, data) => {
    const outcome = await ingestEvent(deps, cloudEvent({ type: 'wallet.deposit', data }));
    expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'invalid_deposit' } });
    expect(outcome.kind === 'rejected' && outcome.error.detail).toMatch(/^data\.amount: /);
    expect(store.eventCount()).toBe(0);
    expect(await store.findIdempotency('ce-1')).toBeUndefined();
  });
});

describe('ingestEvent: exactly once per id', () => {
  it('answers the same event again as a duplicate with the original response, writing nothing', async () => {
    const first = recorded(await ingestEvent(deps, cloudEvent()));
    nowMs += 60_000;
    const second = await ingestEvent(deps, cloudEvent());
    expect(second).toEqual({ kind: 'replayed', response: first.response });
    expect(store.storedEvents('w1').map((event) => event.type)).toEqual(['FactRecorded', 'PointsAwarded']);
  });

  it.each([
    ['other data', { data: { answerId: 'a-8' } }],
    ['other type', { type: 'question_asked' }],
    ['other time', { time: '2026-11-22T10:00:01Z' }],
    ['other wallet', { subject: 'w2' }],
    ['a deposit', { type: 'wallet.deposit', data: { amount: '1' } }],
  ])('refuses the same id with %s as key-reused and changes nothing', async (_name, change) => {
    recorded(await ingestEvent(deps, cloudEvent()));
    const before = store.storedEvents('w1');
    const outcome = await ingestEvent(deps, cloudEvent(change));
    expect(outcome).toEqual({ kind: 'key-reused' });
    expect(store.storedEvents('w1')).toEqual(before);
    expect(store.storedEvents('w2')).toEqual([]);
    expect(store.eventCount()).toBe(2);
  });

  it('takes the same id from another source as another event: source + id identify a CloudEvent', async () => {
    recorded(await ingestEvent(deps, cloudEvent()));
    const other = await ingestEvent(deps, cloudEvent({ source: 'other-app' }));
    expect(other.kind).toBe('recorded');
    expect(store.eventCount()).toBe(4);
    expect((await ingestEvent(deps, cloudEvent({ source: 'other-app' }))).kind).toBe('replayed');
    expect(store.eventCount()).toBe(4);
  });

  it('replays an event recorded under its bare id before ids were scoped, and changes nothing', async () => {
    // What a table written before namespaces holds: the key item under the bare id.
    const legacy = new InMemoryEventStore();
    const before = await ingestEvent({ ...deps, store: legacy }, cloudEvent());
    const bareDeps = { ...deps, store: legacy };
    if (before.kind !== 'recorded') throw new Error('setup: not recorded');
    const rekeyed = new InMemoryEventStore();
    await rekeyed.append({
      walletId: 'w1',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: before.events.map(({ lane: _l, version: _v, walletId: _w, ...event }) => event),
      idempotency: {
        key: 'ce-1',
        payloadHash: (await legacy.findIdempotency(scopedKey('event', 'qa-app', 'ce-1')))?.payloadHash ?? '',
        response: before.response,
      },
    });
    const again = await ingestEvent({ ...bareDeps, store: rekeyed }, cloudEvent());
    expect(again).toEqual({ kind: 'replayed', response: before.response });
    expect(rekeyed.eventCount()).toBe(2);
    // Another source's id "ce-1" is not that legacy record's: it is recorded.
    expect((await ingestEvent({ ...bareDeps, store: rekeyed }, cloudEvent({ source: 'b' }))).kind).toBe(
      'recorded',
    );
  });

  it('keeps extension attributes out of the payload identity', async () => {
    recorded(await ingestEvent(deps, cloudEvent()));
    expect((await ingestEvent(deps, { ...cloudEvent(), traceparent: '00-abc-def-01' })).kind).toBe(
      'replayed',
    );
  });

  it('takes effect once when 20 deliveries of one id race', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => ingestEvent(deps, cloudEvent())));
    const kinds = outcomes.map((outcome) => outcome.kind);
    expect(kinds.filter((kind) => kind === 'recorded')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'replayed')).toHaveLength(19);
    const events = store.storedEvents('w1');
    expect(events.filter((event) => event.type === 'FactRecorded')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'PointsAwarded')).toHaveLength(1);
  });

  it('takes effect once when 20 deliveries of one deposit race', async () => {
    const deposit = cloudEvent({ type: 'wallet.deposit', data: { amount: '12.5' } });
    await Promise.all(Array.from({ length: 20 }, () => ingestEvent(deps, deposit)));
    expect(strip(store.storedEvents('w1'))).toEqual([
      {
        type: 'Deposited',
        data: { amountMinor: 1_250n, occurredAtMs: Date.parse(deposit.time ?? ''), factId: 'ce-1' },
      },
    ]);
  });

  it('answers a redelivery as a duplicate even after a rule set that fails on it is published', async () => {
    const trade = cloudEvent({ type: 'trade', data: { qty: 12 } });
    recorded(await ingestEvent(deps, trade));
    // A later rule set whose trade rule fails on this very event: it reads a key the event lacks.
    await publish('event_type == "trade" && data.price > 0, 1\n');
    const fresh = await ingestEvent(deps, { ...trade, id: 'ce-2' });
    expect(fresh).toMatchObject({ kind: 'rejected', error: { code: 'rule_failed' } });
    const again = await ingestEvent(deps, trade);
    // It took effect once already: a redelivery must not be sent to the DLQ as a rule failure.
    expect(again.kind).toBe('replayed');
  });
});

describe('ingestEvent: the wallet view', () => {
  it('has points equal to the sum of the awards, and the deposits as its balance', async () => {
    await publish(
      'event_type=="answer_is_liked", 250\nevent_type=="answer_is_liked" && data.answerId == "a-2", 5\n',
    );
    const outcomes = [
      await ingestEvent(deps, cloudEvent({ id: 'l-1', data: { answerId: 'a-1' } })),
      await ingestEvent(deps, cloudEvent({ id: 'l-2', data: { answerId: 'a-2' } })),
      await ingestEvent(deps, cloudEvent({ id: 'q-1', type: 'question_asked' })),
      await ingestEvent(deps, cloudEvent({ id: 't-1', type: 'trade', data: { qty: 20 } })),
      await ingestEvent(deps, cloudEvent({ id: 'd-1', type: 'wallet.deposit', data: { amount: '0.1' } })),
      await ingestEvent(deps, cloudEvent({ id: 'd-2', type: 'wallet.deposit', data: { amount: '0.2' } })),
      await ingestEvent(deps, cloudEvent({ id: 'l-1', data: { answerId: 'a-1' } })),
    ];
    expect(outcomes.map((outcome) => outcome.kind)).toEqual([
      'recorded',
      'recorded',
      'recorded',
      'recorded',
      'recorded',
      'recorded',
      'replayed',
    ]);
    const events = store.storedEvents('w1');
    const awarded = events.reduce(
      (sum, event) => sum + (event.type === 'PointsAwarded' ? event.data.points : 0n),
      0n,
    );
    const view = rebuildView('w1', events, (await deps.rules.current()).threshold);
    expect(awarded).toBe(505n);
    expect(view.points).toBe(awarded);
    expect(view.awardCount).toBe(3);
    expect(view.factCount).toBe(4);
    expect(view.balanceMinor).toBe(30n);
  });
});
