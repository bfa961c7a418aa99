import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { sha256Hex } from '../../functions/adapters/dynamodb/event-hash.ts';
import { DynamoRuleSetStore, RULE_SET_TEXT_BYTES_MAX } from '../../functions/adapters/dynamodb/rule-sets.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { ensureTable } from '../../functions/local/table.ts';
import type { PublishOutcome, RuleSetStore, StoredRuleSet } from '../../functions/ports/rule-sets.ts';
import { InMemoryRuleSetStore } from '../support/in-memory-rule-set-store.ts';

/**
 * The DynamoDB rule set store against the real DynamoDB Local (one table for this file, deleted at
 * the end), and the same contract run against the in-memory store the unit tests use, so the two
 * stay alike: versions from 1, dense and kept; ACTIVE is the highest; the active text is
 * `unchanged`; racing publishes never skip or repeat a version.
 */

let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
const tableName = `tally-int-rs-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
});

afterAll(async () => {
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

const draft = (
  text: string,
  publishedAtMs = 1_700_000_000_000,
  source?: string,
): Omit<StoredRuleSet, 'version'> => ({
  text,
  textHash: sha256Hex(text),
  publishedAtMs,
  ...(source === undefined ? {} : { source }),
});

function published(outcome: PublishOutcome): StoredRuleSet {
  if (outcome.kind !== 'published') throw new Error(`expected published, got ${JSON.stringify(outcome)}`);
  return outcome.ruleSet;
}

/** Publishes, retrying lost races a bounded number of times, as `PUT /rules` does. */
async function publishRetrying(store: RuleSetStore, input: Omit<StoredRuleSet, 'version'>) {
  const outcomes: PublishOutcome['kind'][] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const outcome = await store.publish(input);
    outcomes.push(outcome.kind);
    if (outcome.kind !== 'conflict') return { final: outcome, outcomes };
  }
  throw new Error(`still conflicting after 20 attempts: ${outcomes.join(',')}`);
}

/** Every version from 1 to ACTIVE is there, nothing past it, and ACTIVE is a copy of the highest. */
async function expectDenseHistory(store: RuleSetStore): Promise<StoredRuleSet[]> {
  const active = await store.active();
  if (active === undefined) throw new Error('nothing is active');
  const history: StoredRuleSet[] = [];
  for (let version = 1; version <= active.version; version++) {
    const stored = await store.version(version);
    expect(stored, `version ${version} of ${active.version}`).toBeDefined();
    if (stored) history.push(stored);
  }
  expect(await store.version(active.version + 1)).toBeUndefined();
  expect(history.at(-1)).toEqual(active);
  return history;
}

/** Opens once `parties` have arrived, and stays open. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    if (++arrived >= parties) open();
    return opened;
  };
}

/**
 * `count` DynamoDB stores on one table whose writes wait until every one of them has sent its first
 * write: each has read ACTIVE by then, so their first publishes race for the same version, every time.
 */
function racingDynamoStores(count: number): RuleSetStore[] {
  const arrive = barrier(count);
  const send = (async (command: unknown) => {
    if (command instanceof TransactWriteCommand) await arrive();
    return documents.send(command as Parameters<DynamoDBDocumentClient['send']>[0]);
  }) as DynamoDBDocumentClient['send'];
  return Array.from({ length: count }, () => {
    const gated = Object.create(documents) as DynamoDBDocumentClient;
    gated.send = send;
    return new DynamoRuleSetStore(gated, tableName);
  });
}

interface StoreUnderTest {
  make: () => RuleSetStore;
  /** Handles on the same store for concurrent publishers whose first publishes race. */
  racers: (store: RuleSetStore, count: number) => RuleSetStore[];
}

const stores: [string, StoreUnderTest][] = [
  [
    'DynamoDB Local',
    {
      make: () => new DynamoRuleSetStore(documents, tableName),
      racers: (_store, count) => racingDynamoStores(count),
    },
  ],
  [
    'the in-memory store',
    // Its read and write are a turn of the event loop apart: concurrent publishes always race.
    {
      make: () => new InMemoryRuleSetStore(),
      racers: (store, count) => Array.from({ length: count }, () => store),
    },
  ],
];

// The tests of each store run in order on one history (the DynamoDB table holds one rule set log).
describe.each(stores)('rule sets in %s', (_name, { make, racers }) => {
  let store: RuleSetStore;
  const v1 = draft('event_type=="answer_is_liked", 250\n', 1_700_000_000_001, 'rules/one.rules');
  const v2 = draft('event_type=="answer_is_liked", 300\n', 1_700_000_000_002);

  beforeAll(() => {
    store = make();
  });

  it('has nothing active and no versions at first', async () => {
    expect(await store.active()).toBeUndefined();
    expect(await store.version(1)).toBeUndefined();
  });

  it('publishes versions 1 and 2; ACTIVE is 2 and version 1 is kept', async () => {
    expect(published(await store.publish(v1))).toEqual({ ...v1, version: 1 });
    expect(published(await store.publish(v2))).toEqual({ ...v2, version: 2 });
    expect(await store.active()).toEqual({ ...v2, version: 2 });
    expect(await store.version(1)).toEqual({ ...v1, version: 1 });
    expect(await store.version(2)).toEqual({ ...v2, version: 2 });
    await expectDenseHistory(store);
  });

  it('answers unchanged for the active text and writes nothing', async () => {
    const again = await store.publish({ ...v2, publishedAtMs: 1_800_000_000_000, source: 'again' });
    expect(again).toEqual({ kind: 'unchanged', ruleSet: { ...v2, version: 2 } });
    expect(await store.version(3)).toBeUndefined();
    expect(await store.active()).toEqual({ ...v2, version: 2 });
  });

  it('publishes an earlier text again as a new version', async () => {
    expect(published(await store.publish(v1)).version).toBe(3);
    expect((await store.active())?.text).toBe(v1.text);
    await expectDenseHistory(store);
  });

  it('lets one of two racing publishes win the next version; the other conflicts and writes nothing', async () => {
    const before = (await store.active())?.version ?? 0;
    const a = draft(`event_type == "race-a-${before}", 1\n`);
    const b = draft(`event_type == "race-b-${before}", 2\n`);
    const [first, second] = racers(store, 2);
    if (first === undefined || second === undefined) throw new Error('two racers');
    const outcomes = await Promise.all([first.publish(a), second.publish(b)]);
    const winners = outcomes.filter((outcome) => outcome.kind === 'published');
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['conflict', 'published']);
    expect(winners.map((outcome) => published(outcome).version)).toEqual([before + 1]);
    const history = await expectDenseHistory(store);
    expect(history).toHaveLength(before + 1);
    const winner = winners[0] && published(winners[0]);
    expect(await store.active()).toEqual(winner);
  });

  it('keeps versions dense and ACTIVE the highest when many publishers retry their way in', async () => {
    const before = (await store.active())?.version ?? 0;
    const texts = Array.from(
      { length: 6 },
      (_, index) => `event_type == "many-${before}-${index}", ${index + 1}\n`,
    );
    const publishers = racers(store, texts.length);
    const results = await Promise.all(
      texts.map((text, index) => publishRetrying(publishers[index] ?? store, draft(text))),
    );
    const versions = results.map(({ final }) => published(final).version).sort((x, y) => x - y);
    expect(versions).toEqual(texts.map((_, index) => before + 1 + index));
    // The first round raced for one version: one won it, the other five lost and retried.
    const firstTries = results.map(({ outcomes }) => outcomes[0]);
    expect(firstTries.filter((kind) => kind === 'published')).toHaveLength(1);
    expect(firstTries.filter((kind) => kind === 'conflict')).toHaveLength(texts.length - 1);
    const history = await expectDenseHistory(store);
    expect(history).toHaveLength(before + texts.length);
    // Each publisher's text is stored under the version it was told.
    for (const { final } of results) {
      const ruleSet = published(final);
      expect((await store.version(ruleSet.version))?.text).toBe(ruleSet.text);
    }
    expect((await store.active())?.version).toBe(before + texts.length);
  });

  it('lists versions oldest first, from a version on, at most `limit` of them', async () => {
    const active = (await store.active())?.version ?? 0;
    const all = await store.versions(1, 1000);
    expect(all.map((ruleSet) => ruleSet.version)).toEqual(Array.from({ length: active }, (_, i) => i + 1));
    expect(all[0]).toEqual({ ...v1, version: 1 });
    expect((await store.versions(2, 2)).map((ruleSet) => ruleSet.version)).toEqual([2, 3]);
    expect(await store.versions(active + 1, 10)).toEqual([]);
  });

  it('keeps who published a version, and answers none for a version stored without it', async () => {
    const before = (await store.active())?.version ?? 0;
    const named = { ...draft(`event_type == "named-${before}", 1\n`), publishedBy: 'ops-alice' };
    const ruleSet = published(await store.publish(named));
    expect(ruleSet.publishedBy).toBe('ops-alice');
    expect((await store.version(ruleSet.version))?.publishedBy).toBe('ops-alice');
    expect((await store.active())?.publishedBy).toBe('ops-alice');
    expect((await store.versions(ruleSet.version, 1))[0]?.publishedBy).toBe('ops-alice');
    expect(await store.version(1)).not.toHaveProperty('publishedBy');
  });

  it('stores the form a publish derives when the active text comes again with another, and no version', async () => {
    // A text published by an older release keeps that release's form until published again.
    const old = published(await store.publish({ ...draft('event_type == "refresh", 1\n'), form: '{"v":1}' }));
    const again = { ...draft(old.text, 1_800_000_000_003, 'again'), form: '{"v":2}' };
    const refreshed = { ...old, form: '{"v":2}' };
    expect(await store.publish(again)).toEqual({ kind: 'unchanged', ruleSet: refreshed });
    expect(await store.active()).toEqual(refreshed);
    expect(await store.version(old.version)).toEqual(refreshed);
    expect(await store.version(old.version + 1)).toBeUndefined();
    // The same form, or none, again: unchanged, as stored.
    expect(await store.publish(again)).toEqual({ kind: 'unchanged', ruleSet: refreshed });
    expect(await store.publish(draft(old.text))).toEqual({ kind: 'unchanged', ruleSet: refreshed });
    expect(await store.active()).toEqual(refreshed);
  });

  it('refuses a text over RULE_SET_TEXT_BYTES_MAX with a throw, writing nothing', async () => {
    const before = await store.active();
    await expect(store.publish(draft(`#${'é'.repeat(RULE_SET_TEXT_BYTES_MAX / 2)}`))).rejects.toThrow(
      /over 307200 bytes/,
    );
    expect(await store.active()).toEqual(before);
  });
});

describe('DynamoDB layout', () => {
  it('keeps the ACTIVE pointer and one item per version under one partition', async () => {
    const result = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'RULESET' },
        ConsistentRead: true,
      }),
    );
    const keys = (result.Items ?? []).map((item) => String(item.sk));
    const active = await new DynamoRuleSetStore(documents, tableName).active();
    expect(keys).toContain('ACTIVE');
    expect(keys.filter((key) => key.startsWith('VERSION#'))).toHaveLength(active?.version ?? -1);
    expect(keys).toContain(`VERSION#${String(active?.version).padStart(8, '0')}`);
  });
});
