import fc, { type Arbitrary } from 'fast-check';

/**
 * Hostile input pieces every route's generator draws from. Bodies are built as JSON TEXT, not as
 * values, so a generator can say what JSON.stringify never would: duplicate keys, `__proto__` as a
 * key, numbers past double precision, malformed and deeply nested documents.
 */

/** Numbers as a client may write them, most of them wrong for a money amount. */
export const ODD_NUMBER_TEXTS = [
  '1e309',
  '-1e309',
  '-0',
  '0',
  '9007199254740993',
  '9007199254740992',
  '0.1',
  '0.30000000000000004',
  '1e-400',
  '5e-324',
  '1.7976931348623157e308',
  '1e21',
  '1e22',
  '123456789012345678901234567890',
  '100.999',
  '1.005',
  '0.01',
  '-1',
  '-0.01',
  '1E2',
  '1e+2',
  '10000.01',
] as const;

/** Not numbers, or not JSON at all, where a number belongs. */
export const NOT_NUMBER_TEXTS = [
  '"100"',
  '" 100 "',
  '"1e3"',
  '"-0"',
  '"0x10"',
  '"1,5"',
  '"١٠٠"',
  '"Infinity"',
  '"NaN"',
  '""',
  '"100.00"',
  '"1e309"',
  '"9007199254740993"',
  '"0.001"',
  '"+5"',
  '"5."',
  '".5"',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '01',
  '.5',
  '5.',
  '+5',
  '1_000',
  'null',
  'true',
  '[]',
  '{}',
  '[100]',
  '{"value":100}',
] as const;

/** Strings meant to trip a check that decodes, splits, trims or uses a string as a key. */
export const SPECIAL_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'w1\u0000',
  '\u202Ew1',
  'w1\u202E1w',
  '\u200F\u200E',
  '\uFEFFw1',
  '\uD800',
  'a\uDFFFb',
  '\uFFFE',
  '\uFFFF',
  '..',
  '../..',
  '../../etc/passwd',
  '.',
  '%2F',
  'a%2Fb',
  '%252F',
  '%00',
  '%',
  '%E0%A4%A',
  '#',
  'a#b',
  '?',
  'a?b=c',
  '/',
  'a/b',
  '\\',
  'a\\b',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '0',
  '-1',
  'true',
  'w1\n',
  'w1\r\n',
  ' w1',
  'w1 ',
  'w1\t',
  '👛',
  'ｗ１',
  'Ẃ1',
  'w\u03011',
  'EVENT#0#1',
  'WALLET#w1',
  'w1#EVENT',
  'a:b@c.d-e_f',
  '*',
  '\u0024{jndi:ldap://x}',
  '<script>',
  "' OR 1=1 --",
  'a'.repeat(128),
  'a'.repeat(129),
  'a'.repeat(1_024),
  'é'.repeat(200),
] as const;

/** Any string: printable, binary (lone surrogates, controls), graphemes, or a special one. */
export const oddString: Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...SPECIAL_STRINGS), weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
  {
    arbitrary: fc.string({
      unit: fc.constantFrom('a', '/', '.', '%', '#', '?', '2', 'F', ' '),
      maxLength: 300,
    }),
    weight: 1,
  },
);

/** A valid wallet id that nobody has used (so reads answer 404, writes create a wallet). */
export const freshWalletId: Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,30}$/);

/**
 * A wallet id: often one that exists (so requests get past validation), else fresh or odd.
 * `validPercent` is the share of valid ids (existing or fresh); every valid one costs store reads.
 */
export function walletIdFrom(pool: readonly string[], validPercent = 60): Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...pool), weight: Math.round((validPercent * 3) / 4) },
    { arbitrary: freshWalletId, weight: Math.round(validPercent / 4) },
    { arbitrary: oddString, weight: 100 - validPercent },
  );
}

/** `arbitrary` in `percent` % of the draws, else null (fc.option's `freq` is the odds of nil). */
export const sometimes = <T>(arbitrary: Arbitrary<T>, percent: number): Arbitrary<T | null> =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 100 - percent }, { arbitrary, weight: percent });

/** A JSON string literal of `text` (JSON.stringify escapes lone surrogates and controls). */
export const quoted = (text: string): string => JSON.stringify(text);

/** A JSON text for any value, valid or not, shallow (deep and huge ones are rarer, below). */
export const anyJsonText: Arbitrary<string> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null'), weight: 4 },
  { arbitrary: fc.constantFrom(...ODD_NUMBER_TEXTS, ...NOT_NUMBER_TEXTS), weight: 3 },
  { arbitrary: oddString.map(quoted), weight: 3 },
  { arbitrary: fc.integer({ min: 2, max: 64 }).map((depth) => nested(depth, '[', ']', '0')), weight: 1 },
);

/**
 * Deeply nested JSON: arrays or objects 1,000 to 60,000 levels deep (the largest are over the
 * body limit). Expensive to send, so every generator draws it rarely.
 */
export const deepJsonText: Arbitrary<string> = fc
  .integer({ min: 1_000, max: 60_000 })
  .chain((depth) => fc.constantFrom(nested(depth, '[', ']', '1'), nested(depth, '{"a":', '}', 'null')));

/** A JSON string just under or over the handlers' 256 KB and the local server's 1 MB limits. */
export const hugeJsonText: Arbitrary<string> = fc
  .constantFrom(200 * 1024, 256 * 1024 + 1, 1024 * 1024 + 1)
  .map((size) => `"${'x'.repeat(size - 2)}"`);

/** `depth` levels of `open … close` around `core`: one of the deep-nesting shapes. */
export function nested(depth: number, open: string, close: string, core: string): string {
  return `${open.repeat(depth)}${core}${close.repeat(depth)}`;
}

/** A JSON object text from field texts; keys may repeat, and `__proto__` is just a key here. */
export const objectText = (fields: readonly (readonly [string, string])[]): string =>
  `{${fields.map(([key, value]) => `${quoted(key)}:${value}`).join(',')}}`;

/** Keys that mean something to JavaScript objects, or nothing to anyone. */
export const oddKey: Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', '', ' ', 'extra', '\u0000'),
  oddString,
);

/**
 * A well-formed object of the fields a route expects, then maybe spoiled: a field dropped, an odd
 * field added (prototype keys included), a field given twice (JSON.parse keeps the last), or the
 * field values swapped for odd ones. `fields` maps each expected key to its value texts.
 */
export function shapedObject(fields: Record<string, Arbitrary<string>>): Arbitrary<string> {
  const names = Object.keys(fields);
  const base = fc.tuple(...names.map((name) => fields[name] as Arbitrary<string>));
  return fc
    .record({
      values: base,
      drop: sometimes(fc.nat({ max: names.length - 1 }), 12),
      extra: sometimes(fc.tuple(oddKey, anyJsonText), 12),
      duplicate: sometimes(fc.tuple(fc.nat({ max: names.length - 1 }), anyJsonText, fc.boolean()), 10),
    })
    .map(({ values, drop, extra, duplicate }) => {
      let entries: [string, string][] = names.map((name, index) => [name, values[index] ?? 'null']);
      if (duplicate !== null) {
        const [at, value, before] = duplicate;
        const name = names[at] ?? '';
        entries = before ? [[name, value], ...entries] : [...entries, [name, value]];
      }
      if (drop !== null) entries = entries.filter(([name]) => name !== names[drop]);
      if (extra !== null) entries.push(extra);
      return objectText(entries);
    });
}

/** fc.oneof with the weights in order. */
export function weighted<T>(weights: readonly number[], ...arbitraries: Arbitrary<T>[]): Arbitrary<T> {
  return fc.oneof(...arbitraries.map((arbitrary, index) => ({ arbitrary, weight: weights[index] ?? 1 })));
}

/** Documents that are not JSON, or not an object, or too large. */
export const malformedBody: Arbitrary<string> = weighted(
  [40, 20, 10, 1, 1],
  fc.constantFrom(
    '',
    ' ',
    '{',
    '}',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    '{a:1}',
    '{"a":1} {"b":2}',
    '{"a":1}garbage',
    '/* comment */ {}',
    '\uFEFF{}',
    'null',
    'true',
    '0',
    '"string"',
    '[]',
    '[[]]',
    '[null]',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '\u0000',
    '{"a":"\u0000"}',
    '{"a":"\\ud800"}',
    'WalletID=w1&Amount=10',
  ),
  anyJsonText,
  fc.string({ maxLength: 80 }),
  deepJsonText,
  hugeJsonText,
);

/**
 * A path parameter as a client may put it in the target: encoded properly, left raw (so a `/`
 * splits the path and `?` starts the query), or with bad percent-encoding. Like fetch, a raw `#`
 * ends the target and other characters outside visible ASCII are encoded.
 */
export const pathParameter = (value: Arbitrary<string>): Arbitrary<string> =>
  fc
    .tuple(value, fc.constantFrom('encoded', 'encoded', 'encoded', 'raw', 'double', 'broken'))
    .map(([text, how]) => {
      if (how === 'encoded') return encodeText(text, /[^A-Za-z0-9_.~-]/u);
      if (how === 'double') return encodeText(encodeText(text, /[^A-Za-z0-9_.~-]/u), /%/);
      if (how === 'broken') return `${encodeText(text, /[^A-Za-z0-9_.~-]/u)}%${text.length % 2 ? 'G' : ''}`;
      return encodeText(text, /[^\x21-\x7e]/u).split('#')[0] ?? '';
    });

/** Percent-encodes each UTF-8 byte of every character matching `which` (lone surrogates too). */
function encodeText(text: string, which: RegExp): string {
  let out = '';
  for (const char of text) {
    if (!which.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** One `name=value` query pair, encoded or not, for a raw query string. */
export const queryPair = (name: Arbitrary<string>, value: Arbitrary<string>): Arbitrary<string> =>
  fc
    .tuple(name, value, fc.boolean())
    .map(([key, text, encode]) =>
      encode
        ? `${encodeText(key, /[^A-Za-z0-9_.~-]/u)}=${encodeText(text, /[^A-Za-z0-9_.~-]/u)}`
        : `${encodeText(key, /[^\x21-\x7e]|[#&=]/u)}=${encodeText(text, /[^\x21-\x7e]|#/u)}`,
    );

/** A raw query string of some pairs, `&`-joined (names may repeat; API Gateway joins values with `,`). */
export const queryString = (...pairs: Arbitrary<string>[]): Arbitrary<string> =>
  fc
    .array(fc.oneof(...pairs, queryPair(oddKey, oddString)), { maxLength: 4 })
    .chain((chosen) =>
      fc.constantFrom(chosen.join('&'), chosen.join('&&'), `&${chosen.join('&')}`, chosen.join(';')),
    );
