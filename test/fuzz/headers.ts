import fc, { type Arbitrary } from 'fast-check';
import { oddString } from './generators.ts';

/** Header values a client may send: content types, Authorization, Idempotency-Key. */

/** Content types a client may send; every one but the JSON ones arrives base64 in the event. */
export const contentType: Arbitrary<string | undefined> = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/x-www-form-urlencoded',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'text/plain',
  'text/yaml',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  '',
  ';;;',
  undefined,
);

/** A JWT-shaped string: expired, unsigned, garbled or foreign. */
const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwtLike: Arbitrary<string> = fc
  .record({
    alg: fc.constantFrom('none', 'HS256', 'RS256', 'ES256', ''),
    exp: fc.constantFrom(0, 1, 1_600_000_000, 4_102_444_800, -1, Number.POSITIVE_INFINITY),
    scope: fc.constantFrom('admin', 'wallets:write wallets:read', '', 'admin admin', '*'),
    signature: fc.constantFrom('', 'sig', 'AAAA', '.', '..'),
  })
  .map(
    ({ alg, exp, scope, signature }) =>
      `${base64url({ alg, typ: 'JWT' })}.${base64url({ sub: 'fuzz', exp, scope, aud: 'tally' })}.${signature}`,
  );

/** Authorization header values; `token` is the valid admin token, used whole, cut or padded. */
export function authorizationValue(token: string): Arbitrary<string | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant(`Bearer ${token}`), weight: 8 },
    { arbitrary: fc.constant(undefined), weight: 4 },
    {
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        `bearer ${token}`,
        `BEARER  ${token} `,
        `Bearer ${token}x`,
        `Bearer ${token.slice(0, -1)}`,
        `Bearer ${token.slice(1)}`,
        `Bearer ${token} ${token}`,
        `Bearer ${token},Bearer ${token}`,
        `Bearer x,Bearer ${token}`,
        `Basic ${Buffer.from(`admin:${token}`).toString('base64')}`,
        token,
        `Token ${token}`,
        'Bearer null',
        'Bearer undefined',
        `Bearer ${'a'.repeat(token.length)}`,
        `Bearer ${'a'.repeat(10_000)}`,
        'Bearer \u00e9\u00e8',
      ),
      weight: 4,
    },
    { arbitrary: jwtLike.map((jwt) => `Bearer ${jwt}`), weight: 3 },
    { arbitrary: oddString.map((text) => `Bearer ${text}`), weight: 2 },
  );
}

/** Idempotency-Key values: good tokens, quoted ones, and ones no key should be. */
export const idempotencyKeyValue: Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 4 },
  { arbitrary: fc.uuid(), weight: 3 },
  // A small set, so keys are reused with the same and with other payloads.
  { arbitrary: fc.constantFrom('fuzz-key-1', 'fuzz-key-2', '"fuzz-key-3"', 'fuzz-key-1 '), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      '"',
      '""',
      '"""',
      "'k'",
      ' ',
      'a b',
      'k\u00e9',
      'k,k',
      'k;k',
      '*',
      'a'.repeat(255),
      'a'.repeat(256),
      `"${'a'.repeat(255)}"`,
      '__proto__',
      'constructor',
    ),
    weight: 3,
  },
  { arbitrary: oddString, weight: 2 },
);

/** A header value as Node hands it over: latin1, no CR, LF or NUL (the parser refuses those). */
export const asHeaderValue = (text: string): string =>
  Buffer.from(text, 'utf8')
    .toString('latin1')
    .replace(/[\r\n\0]/g, '');
