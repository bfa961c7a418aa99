import fc, { type Arbitrary } from 'fast-check';
import { DEFAULT_RULES_TEXT } from '#app/default-rules.ts';
import {
  anyJsonText,
  deepJsonText,
  freshWalletId,
  malformedBody,
  NOT_NUMBER_TEXTS,
  nested,
  ODD_NUMBER_TEXTS,
  oddString,
  queryPair,
  queryString,
  quoted,
  shapedObject,
  walletIdFrom,
  weighted,
} from './generators.ts';

/**
 * What to generate for each route, keyed by API Gateway route key. A new route (trading, cards)
 * adds ONE entry here; until it does, it is still fuzzed with the generic entry (any path
 * parameter, any body, any query), and the suite prints that it fell back.
 *
 * Every part is optional: `params` per path parameter (raw text, encoded later), `body` as text,
 * `query` as a raw query string. `weight` is the route's share of the requests (default 1).
 */
export interface RouteFuzz {
  weight?: number;
  params?: Record<string, Arbitrary<string>>;
  query?: Arbitrary<string>;
  body?: Arbitrary<string>;
}

/** What exists in the table before the run, so generated requests can name real things. */
export interface FuzzPools {
  wallets: readonly string[];
  /** Event ids of deposits in those wallets (correction targets). */
  eventIds: readonly string[];
  replayJobs: readonly string[];
  backtestJobs: readonly string[];
}

/** `undefined` from a field generator means: leave the field out. */
type FieldTexts = Record<string, Arbitrary<string | undefined>>;

/** Not JSON, so no generated text contains it: marks a field to leave out. */
const OMIT = '@@omit@@';

function optionalFields(fields: FieldTexts): Arbitrary<string> {
  const present = Object.fromEntries(
    Object.entries(fields).map(([name, text]) => [name, text.map((value) => value ?? OMIT)]),
  );
  // shapedObject keeps every key; the marker drops the ones a generator left out.
  return shapedObject(present).map((text) => text.replace(/,?"[^"]*":@@omit@@/g, '').replace('{,', '{'));
}

/** A field left out once in `freq` draws (fast-check's `freq` is the odds of the nil value). */
const omitted = <T>(arbitrary: Arbitrary<T>, freq = 3): Arbitrary<T | undefined> =>
  fc.option(arbitrary, { freq, nil: undefined });

/** Times for a re-publish window: real ones (past, future, far apart, equal) and odd texts. */
const windowTime: Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      '"2026-12-07T05:00:00Z"',
      '"2026-12-07T05:20:00.250Z"',
      '"2026-12-07T06:00:00+01:00"',
      '"2020-01-01T00:00:00Z"',
      '"2099-01-01T00:00:00Z"',
    ),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom('"2026-02-30T00:00:00Z"', '"2026-12-07 05:00"', '"yesterday"', '0'),
    weight: 2,
  },
  { arbitrary: oddString.map(quoted), weight: 1 },
);

/** Amount texts: good ones often, so some deposits land; odd and wrong ones more often. */
const amountText: Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom('1', '10.5', '"2.25"', '0.01', '"100"', '99999.99'), weight: 4 },
  { arbitrary: fc.constantFrom(...ODD_NUMBER_TEXTS), weight: 3 },
  { arbitrary: fc.constantFrom(...NOT_NUMBER_TEXTS), weight: 2 },
  { arbitrary: anyJsonText, weight: 1 },
);

const timeText: Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '"2026-11-22T10:00:00Z"',
    '"2026-02-30T10:00:00Z"',
    '"9999-12-31T23:59:59Z"',
    '"0000-01-01T00:00:00Z"',
    '"2026-11-22T10:00:00.123456789+14:00"',
    '"2026-11-22"',
    '"2026-11-22T25:61:61Z"',
    '"+275760-09-13T00:00:00Z"',
    '1700000000000',
    '""',
  ),
  fc.date({ noInvalidDate: true }).map((date) => quoted(date.toISOString())),
  anyJsonText,
);

const limitPair = queryPair(
  fc.constant('limit'),
  fc.constantFrom(
    '1',
    '50',
    '200',
    '201',
    '0',
    '-1',
    '-0',
    '1e2',
    '1.5',
    '9007199254740993',
    'NaN',
    '',
    ' 1',
  ),
);

const cursorValue: Arbitrary<string> = fc.oneof(
  fc
    .jsonValue({ maxDepth: 2 })
    .map((value) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url')),
  fc
    .record({
      lane: fc.constantFrom(0, 1, 99, 100, -1, 0.5, Number.POSITIVE_INFINITY),
      version: fc.constantFrom(1, 0, 2 ** 53, -1),
    })
    .map((cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url')),
  fc.constantFrom(
    '',
    '=',
    '!!!',
    'eyJ9',
    Buffer.from('{"lane":0,"version":1,"__proto__":{}}').toString('base64url'),
  ),
  oddString,
);

const walletQuery = queryString(
  limitPair,
  queryPair(fc.constant('cursor'), cursorValue),
  queryPair(
    fc.constant('asOf'),
    fc.constantFrom(
      '0',
      '1',
      '999999999999',
      '1000000000000',
      '2026-11-22T10:00:00Z',
      '2026-13-01',
      '9999-12-31',
      '',
    ),
  ),
);

/** Rule texts: the shipped one (publishing it again changes nothing), broken ones, hostile ones. */
const rulesText: Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constant(DEFAULT_RULES_TEXT), weight: 4 },
  {
    arbitrary: fc
      .constantFrom(...ODD_NUMBER_TEXTS, ...NOT_NUMBER_TEXTS, '__proto__', '"\u0000"')
      .chain((odd) =>
        fc.constantFrom(
          DEFAULT_RULES_TEXT.replace('"10000"', odd),
          DEFAULT_RULES_TEXT.replace('250', odd),
          DEFAULT_RULES_TEXT.replace('data.qty * 5', `data.qty * ${odd}`),
          DEFAULT_RULES_TEXT.replace('2m', odd),
          DEFAULT_RULES_TEXT.replace('trade-volume', odd),
        ),
      ),
    weight: 3,
  },
  {
    arbitrary: weighted(
      [8, 1],
      fc.integer({ min: 10, max: 500 }),
      fc.integer({ min: 500, max: 50_000 }),
    ).chain((depth) =>
      fc.constantFrom(
        `${nested(depth, '(', ')', 'true')}, 1\n`,
        `event_type == "trade", ${nested(depth, '[', ']', '1')}\n`,
        `${'!'.repeat(depth)}true, 1\n`,
        `rules:\n  - when: ${nested(depth, '(', ')', 'true')}\n    points: 1\n`,
        `rules: ${nested(Math.min(depth, 20_000), '[', ']', '')}\n`,
      ),
    ),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(
      'rules:\n  - &a ["x","x"]\n  - &b [*a,*a,*a,*a,*a,*a,*a,*a]\n  - &c [*b,*b,*b,*b,*b,*b,*b,*b]\n  - [*c,*c,*c,*c,*c,*c,*c,*c]\n',
      'rules: !!js/function "() => 1"\n',
      '__proto__:\n  polluted: true\nrules: []\n',
      'rules:\n  - id: x\n    id: y\n    when: true\n    points: 1\n',
      'true, 1e309\n',
      'true, -1\n',
      'true, 9007199254740993\n',
      'true, 1 / 0\n',
      'true, "a"\n',
      '\uFEFFtrue, 1\n',
      '\u0000',
    ),
    weight: 4,
  },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 2 },
  { arbitrary: malformedBody, weight: 2 },
);

const jobId = (jobs: readonly string[]): Arbitrary<string> =>
  fc.oneof(
    { arbitrary: jobs.length > 0 ? fc.constantFrom(...jobs) : fc.uuid(), weight: 1 },
    { arbitrary: fc.uuid(), weight: 1 },
    { arbitrary: oddString, weight: 6 },
  );

function cloudEvent(pools: FuzzPools): Arbitrary<string> {
  return optionalFields({
    specversion: fc.oneof(fc.constant('"1.0"'), fc.constant('"1.0"'), anyJsonText),
    id: fc.oneof(fc.uuid().map(quoted), fc.constantFrom('"e-1"', '"e-2"'), oddString.map(quoted)),
    source: omitted(fc.oneof(fc.constant('"fuzz"'), oddString.map(quoted)), 8),
    type: fc.oneof(
      fc.constantFrom('"wallet.deposit"', '"trade"', '"answer_is_liked"'),
      oddString.map(quoted),
      anyJsonText,
    ),
    subject: fc.oneof(walletIdFrom(pools.wallets).map(quoted), anyJsonText),
    time: omitted(timeText),
    data: omitted(
      fc.oneof(
        { arbitrary: optionalFields({ amount: amountText, qty: omitted(amountText) }), weight: 30 },
        // Deep nesting in `data`: issue 10 §4.5 (a RangeError in the event hash's canonical JSON).
        { arbitrary: deepJsonText, weight: 1 },
        { arbitrary: anyJsonText, weight: 20 },
      ),
      8,
    ),
  });
}

function deepDataEvent(pools: FuzzPools): Arbitrary<string> {
  return fc
    .record({ id: fc.uuid(), subject: fc.constantFrom(...pools.wallets), data: deepJsonText })
    .map(
      ({ id, subject, data }) =>
        `{"specversion":"1.0","id":"${id}","source":"fuzz","type":"trade","subject":"${subject}","data":${data}}`,
    );
}

/** The table: one entry per route key of lib/wiring.ts. */
export function routeFuzzTable(pools: FuzzPools): Record<string, RouteFuzz> {
  const wallet = walletIdFrom(pools.wallets);
  // Reads with a valid id go to the store and are the slow part of a run: fewer of them.
  const readWallet = walletIdFrom(pools.wallets, 12);
  const read = { weight: 0.25 };
  return {
    'POST /deposit': {
      weight: 1.5,
      body: fc.oneof(
        {
          arbitrary: shapedObject({
            WalletID: fc.oneof(wallet.map(quoted), anyJsonText),
            Amount: amountText,
          }),
          weight: 6,
        },
        { arbitrary: malformedBody, weight: 2 },
      ),
    },
    'GET /details/{wallet_id}': { ...read, params: { wallet_id: readWallet } },
    'GET /health': { weight: 0.1 },
    'POST /events': {
      weight: 1.5,
      body: fc.oneof(
        { arbitrary: cloudEvent(pools), weight: 50 },
        {
          arbitrary: fc
            .array(cloudEvent(pools), { minLength: 1, maxLength: 4 })
            .map((all) => `[${all.join(',')}]`),
          weight: 20,
        },
        {
          arbitrary: fc.constantFrom(0, 101).map((count) => `[${Array(count).fill('{}').join(',')}]`),
          weight: 10,
        },
        { arbitrary: malformedBody, weight: 20 },
        // A valid envelope around deep `data`, so the nesting reaches the event hash (§4.5).
        { arbitrary: deepDataEvent(pools), weight: 2 },
      ),
    },
    'GET /rules': { weight: 0.05 },
    // Rule set history (issue 15 §5): cheap reads; the version is a number, a non-number or odd text.
    // 0.1, not 0.04: at 0.04 a seed drove GET /rules/versions 57 times, under the per-route floor
    // (a thirtieth of an even share: 57.5 over 58 routes), where 85-110 was usual (CI, stop 22).
    'GET /rules/versions': { weight: 0.1 },
    'GET /rules/versions/{version}': {
      weight: 0.1,
      params: { version: fc.oneof(fc.constantFrom('1', '2', '0', '-1', '1.5', 'x', '99999999'), oddString) },
    },
    // The console's rule editor: a candidate (and maybe a sample fact) compiled, nothing written.
    'POST /rules/check': {
      weight: 0.3,
      body: fc.oneof(
        { arbitrary: rulesText.map((rules) => JSON.stringify({ rules })), weight: 4 },
        {
          arbitrary: fc
            .tuple(rulesText, anyJsonText)
            .map(
              ([rules, data]) =>
                `{"rules":${JSON.stringify(rules)},"fact":{"type":"trade","subject":"w1","data":${data}}}`,
            ),
          weight: 4,
        },
        { arbitrary: malformedBody, weight: 2 },
      ),
    },
    'PUT /rules': {
      // Each request with the admin token compiles a rule set: CPU-heavy, so fewer of them.
      weight: 0.8,
      body: rulesText,
      query: queryString(
        queryPair(
          fc.constant('source'),
          fc.oneof(fc.constantFrom('fuzz', 'a/b', '', 'x'.repeat(201)), oddString),
        ),
      ),
    },
    'GET /wallets/{wallet_id}': { ...read, params: { wallet_id: readWallet }, query: walletQuery },
    'GET /wallets/{wallet_id}/points': { ...read, params: { wallet_id: readWallet }, query: walletQuery },
    'GET /wallets/{wallet_id}/events': { ...read, params: { wallet_id: readWallet }, query: walletQuery },
    'GET /wallets/{wallet_id}/verify': { ...read, params: { wallet_id: readWallet }, query: walletQuery },
    'POST /replay': {
      weight: 1,
      body: fc.oneof(
        {
          arbitrary: optionalFields({
            walletId: omitted(fc.oneof(wallet.map(quoted), anyJsonText), 6),
            fromVersion: omitted(
              fc.oneof(fc.constantFrom('1', '2', '1000'), fc.constantFrom(...ODD_NUMBER_TEXTS), anyJsonText),
            ),
            dryRun: omitted(fc.oneof(fc.constantFrom('true', 'false'), anyJsonText)),
          }),
          weight: 6,
        },
        { arbitrary: malformedBody, weight: 2 },
      ),
    },
    'GET /replay/{jobId}': { ...read, params: { jobId: jobId(pools.replayJobs) } },
    'POST /republish': {
      weight: 1,
      body: fc.oneof(
        {
          arbitrary: optionalFields({
            from: omitted(fc.oneof(windowTime, anyJsonText), 8),
            to: omitted(fc.oneof(windowTime, anyJsonText), 8),
            dryRun: omitted(fc.oneof(fc.constantFrom('true', 'false'), anyJsonText), 1),
          }),
          weight: 6,
        },
        { arbitrary: malformedBody, weight: 2 },
      ),
    },
    // A replay job's id asked for here is no re-publish job: 404 as an unknown id.
    'GET /republish/{jobId}': { ...read, params: { jobId: jobId(pools.replayJobs) } },
    'POST /wallets/{wallet_id}/corrections': {
      weight: 1.5,
      params: { wallet_id: wallet },
      body: fc.oneof(
        {
          arbitrary: optionalFields({
            eventId: fc.oneof(
              pools.eventIds.length > 0
                ? fc.constantFrom(...pools.eventIds).map(quoted)
                : fc.uuid().map(quoted),
              fc.uuid().map(quoted),
              anyJsonText,
            ),
            action: fc.oneof(fc.constantFrom('"void"', '"amend"'), anyJsonText),
            reason: fc.oneof(fc.constant('"fuzz"'), oddString.map(quoted), anyJsonText),
            data: omitted(
              fc.oneof(
                optionalFields({
                  amount: omitted(amountText),
                  time: omitted(timeText),
                  data: omitted(anyJsonText),
                }),
                anyJsonText,
              ),
            ),
          }),
          weight: 6,
        },
        { arbitrary: malformedBody, weight: 2 },
      ),
    },
    'POST /rules/backtest': {
      weight: 1.5,
      body: fc.oneof(
        {
          arbitrary: optionalFields({
            rules: omitted(fc.oneof(rulesText.map(quoted), anyJsonText)),
            ruleSetVersion: omitted(
              fc.oneof(fc.constantFrom('0', '1', '2', '99'), fc.constantFrom(...ODD_NUMBER_TEXTS)),
            ),
            walletIds: omitted(
              fc.oneof(
                fc
                  .array(wallet.map(quoted), { minLength: 1, maxLength: 3 })
                  .map((ids) => `[${ids.join(',')}]`),
                fc.constantFrom('[]', `[${Array(101).fill('"w"').join(',')}]`),
                anyJsonText,
              ),
            ),
            from: omitted(timeText),
            to: omitted(timeText),
            apply: omitted(fc.oneof(fc.constantFrom('true', 'false'), anyJsonText)),
          }),
          weight: 6,
        },
        { arbitrary: malformedBody, weight: 2 },
      ),
    },
    'GET /rules/backtest/{jobId}': { ...read, params: { jobId: jobId(pools.backtestJobs) } },
  };
}

/** For a route without an entry: any body and query; every path parameter is any wallet id. */
export function genericRouteFuzz(): RouteFuzz {
  return {
    body: fc.oneof(
      malformedBody,
      anyJsonText,
      shapedObject({ id: freshWalletId.map(quoted), amount: amountText }),
    ),
  };
}
