import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CANONICAL_DEPTH_MAX, canonicalJson, eventHash } from '#adapters/dynamodb/event-hash.ts';
import type { RecordedEvent } from '#domain/wallet.ts';

/** The recursive definition the iterative canonicalJson must agree with, text for text. */
function recursiveCanonicalJson(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(recursiveCanonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, entry]) => entry !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${recursiveCanonicalJson(entry)}`).join(',')}}`;
}

const DEPTH = 100_000;

describe('canonicalJson', () => {
  it('sorts keys, drops undefined entries, writes bigints as strings and undefined elements as null', () => {
    expect(canonicalJson({ b: 1n, a: [undefined, 'x', { d: undefined, c: null }], e: true })).toBe(
      '{"a":[null,"x",{"c":null}],"b":"1","e":true}',
    );
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson('"quoted"\n')).toBe('"\\"quoted\\"\\n"');
  });

  it('gives the recursive definition’s text for any value (so no stored hash changes)', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('tree'), { maxLength: 5 }),
      object: fc.dictionary(fc.string(), tie('tree'), { maxKeys: 5 }),
    }));
    fc.assert(
      fc.property(tree, (value) => {
        expect(canonicalJson(value)).toBe(recursiveCanonicalJson(value));
      }),
      { numRuns: 500 },
    );
    // A sparse array: a hole is nothing between its commas, as join writes it.
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    const sparse = [, 1, , 2];
    expect(canonicalJson(sparse)).toBe(recursiveCanonicalJson(sparse));
  });

  it(`handles data nested ${DEPTH.toLocaleString('en')} deep (arrays and objects) without overflowing the stack`, () => {
    let arrays: unknown = 1;
    let objects: unknown = 'leaf';
    for (let level = 0; level < DEPTH; level++) {
      arrays = [arrays];
      objects = { z: objects, a: level };
    }
    expect(() => recursiveCanonicalJson(arrays)).toThrow(RangeError);
    expect(canonicalJson(arrays)).toBe(`${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}`);
    const text = canonicalJson(objects);
    expect(text.startsWith(`{"a":${DEPTH - 1},"z":{"a":${DEPTH - 2},"z":`)).toBe(true);
    expect(text.endsWith(`"z":"leaf"${'}'.repeat(DEPTH)}`)).toBe(true);
  });

  it('hashes an event whose data is nested 100,000 deep', () => {
    let data: unknown = 'leaf';
    for (let level = 0; level < DEPTH; level++) data = { inner: data };
    const event = {
      walletId: 'w1',
      lane: 0,
      version: 1,
      eventId: 'e1',
      recordedAtMs: 1,
      type: 'Deposited',
      data,
    } as unknown as RecordedEvent;
    expect(eventHash('', event)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a cycle with a RangeError that says so, instead of looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(
      new RangeError(`canonicalJson: nested deeper than ${CANONICAL_DEPTH_MAX} (or cyclic)`),
    );
  });
});
