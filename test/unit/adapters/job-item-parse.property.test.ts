import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

// A pass-through spy: the real zod/mini, its objects counted (the schemas are built on first use).
vi.mock('zod/mini', async (importOriginal) => {
  const original = await importOriginal<typeof import('zod/mini')>();
  return { ...original, object: vi.fn(original.object) };
});
const z = await import('zod/mini');
const { fromJobItem, fromJobSegmentItem, fromRunningSegmentItem, jobBySchema, segmentBySchema } =
  await import('#adapters/dynamodb/table-layout/job-items.ts');
const { intText, junk } = await import('../../support/junk-values.ts');

/**
 * A job's report and every page run-jobs works read the job item and its segments field by field
 * where they are as the store writes them, not through zod (a cold process's first parse of the
 * segment schema cost ~3-4 ms CPU): what the fast read gives must be what the schemas give, for
 * items as written and read back and for items edited in any one attribute; where the schemas
 * refuse, the read throws as before.
 */

/**
 * A value as text, keys sorted, bigints and undefined marked: toStrictEqual would also compare
 * the `constructor` of each object, which a change written as `{"constructor": …}` holds as data.
 */
const text = (value: unknown): string =>
  JSON.stringify(value, (_key, each: unknown) => {
    if (typeof each === 'bigint') return { bigint: String(each) };
    if (each === undefined) return { undefined: true };
    if (typeof each !== 'object' || each === null || Array.isArray(each)) return each;
    const entries = Object.entries(each).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(
      entries.map(([key, inner]) => [key, inner === undefined ? { undefined: true } : inner]),
    );
  });

/** The same answer: both throw, or both return equal values. */
function sameAnswer(read: () => unknown, bySchema: () => unknown): void {
  let expected: { value: unknown } | { error: unknown };
  try {
    expected = { value: bySchema() };
  } catch (error) {
    expected = { error };
  }
  if ('error' in expected) expect(read).toThrow();
  else expect(text(read())).toBe(text(expected.value));
}

/** A number as DynamoDB gives it back (text, wrapNumbers) or as written. */
const stored = (value: fc.Arbitrary<number>) => fc.oneof(value.map(String), value);
const counter = fc.option(stored(fc.nat()), { nil: undefined });

const params = fc.oneof(
  fc.record({ kind: fc.constant('replay'), dryRun: fc.oneof(fc.boolean(), junk) }),
  fc.record(
    {
      kind: fc.constant('backtest'),
      ruleSetVersion: fc.oneof(fc.nat(), junk),
      rulesText: fc.oneof(fc.string(), junk),
      fromMs: fc.oneof(fc.nat(), fc.double({ noDefaultInfinity: true, noNaN: true }), junk),
      toMs: fc.oneof(fc.nat(), junk),
      apply: fc.oneof(fc.boolean(), junk),
      extra: fc.string(),
    },
    { requiredKeys: ['kind', 'apply'] },
  ),
  fc.record({ kind: fc.constant('republish'), fromMs: fc.oneof(fc.nat(), junk), toMs: fc.nat() }),
  fc.record({ kind: junk }),
  junk,
);

const jobItem = fc.record({
  pk: fc.constant('JOB#j1'),
  sk: fc.constant('JOB'),
  kind: fc.constant('job'),
  jobId: fc.string(),
  params: fc.oneof(
    params.map((value) => JSON.stringify(value) ?? 'null'),
    fc.constantFrom('{', '', 'null'),
  ),
  segments: stored(fc.integer({ min: 1, max: 16 })),
  createdAtMs: stored(fc.nat()),
});

const change = fc.oneof(
  fc.record({ walletId: fc.string(), before: fc.nat(), after: fc.nat() }),
  fc.dictionary(fc.constantFrom('walletId', '__proto__', 'constructor', 'x'), junk),
  junk,
);
const segmentItem = fc.record(
  {
    pk: fc.constant('JOB#j1'),
    sk: fc.constant('SEGMENT#000'),
    kind: fc.constant('job-segment'),
    segment: stored(fc.nat({ max: 15 })),
    page: stored(fc.nat()),
    cursor: fc.option(fc.string(), { nil: null }),
    done: fc.boolean(),
    changes: fc.oneof(
      fc.array(change, { maxLength: 3 }).map((changes) => JSON.stringify(changes)),
      fc.constantFrom('{}', '[', '[null]', '"x"'),
    ),
    finishedAtMs: fc.option(stored(fc.nat()), { nil: null }),
    wallets: counter,
    eventsDone: counter,
    changed: counter,
    written: counter,
    facts: counter,
    walletsWithDifference: counter,
    awardedPoints: fc.option(fc.oneof(intText, fc.nat()), { nil: undefined }),
    candidatePoints: fc.option(intText, { nil: undefined }),
    adjustmentsAppended: counter,
    ruleErrors: counter,
    scanned: counter,
    published: counter,
    rejected: counter,
  },
  { requiredKeys: ['pk', 'sk', 'segment', 'page', 'cursor', 'done', 'changes'] },
);

/** The item with one attribute set to anything (or none: `edit` false). */
const edited = <T extends Record<string, unknown>>(item: T, edit: boolean, name: string, value: unknown) =>
  edit ? { ...item, [name]: value } : item;

describe("a job's items read without zod", () => {
  it('build no schema for the items a report reads as written', async () => {
    // Not at import either.
    expect(z.object).not.toHaveBeenCalled();
    const job = { jobId: 'j1', params: '{"kind":"replay","dryRun":false}', segments: '2', createdAtMs: '5' };
    expect(fromJobItem(job)).toStrictEqual({
      jobId: 'j1',
      params: { kind: 'replay', dryRun: false },
      segments: 2,
      createdAtMs: 5,
    });
    const segment = {
      segment: '1',
      page: '3',
      cursor: null,
      done: true,
      changes: '[{"walletId":"w9","before":1}]',
      finishedAtMs: '9',
      wallets: '4',
      awardedPoints: '12345678901234567890',
    };
    expect(fromJobSegmentItem(segment)).toMatchObject({
      segment: 1,
      page: 3,
      done: true,
      finishedAtMs: 9,
      changes: [{ walletId: 'w9', before: 1 }],
      counters: { wallets: 4, events: 0, awardedPoints: 12345678901234567890n, candidatePoints: 0n },
    });
    expect(fromRunningSegmentItem({ jobId: 'j1', segment: '1' })).toStrictEqual({ jobId: 'j1', segment: 1 });
    expect(z.object).not.toHaveBeenCalled();
    // An item that is not as written takes the schema (built now), which refuses it.
    expect(() => fromJobSegmentItem({ ...segment, page: 'x' })).toThrow();
    expect(z.object).toHaveBeenCalled();
  });

  it('read a job item as its schemas do, as written or with one attribute edited', () => {
    const name = fc.constantFrom('jobId', 'params', 'segments', 'createdAtMs', 'x');
    fc.assert(
      fc.property(jobItem, fc.boolean(), name, junk, (item, edit, key, value) => {
        const read = edited(item, edit, key, value);
        sameAnswer(
          () => fromJobItem(read),
          () => jobBySchema(read),
        );
      }),
      { numRuns: 3_000 },
    );
  });

  it('read a segment item as its schemas do, as written or with one attribute edited', () => {
    const name = fc.constantFrom(
      'segment',
      'page',
      'cursor',
      'done',
      'changes',
      'finishedAtMs',
      'wallets',
      'eventsDone',
      'awardedPoints',
      'candidatePoints',
      'rejected',
    );
    fc.assert(
      fc.property(segmentItem, fc.boolean(), name, junk, (item, edit, key, value) => {
        const read = edited(item, edit, key, value);
        sameAnswer(
          () => fromJobSegmentItem(read),
          () => segmentBySchema(read),
        );
      }),
      { numRuns: 3_000 },
    );
  });
});
