import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSignature, signatureHeader } from '#adapters/payments/webhook-signature.ts';

const SECRET = 'whsec_property_secret_0123456789';
const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;
const options = { nowMs: NOW_MS, toleranceSeconds: 300 };

/** A body and one modification of it: a changed, inserted or removed character. */
const bodyAndModified = fc
  .tuple(
    fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
    fc.nat(),
    fc.string({ minLength: 1, maxLength: 3 }),
  )
  .chain(([body, seed, text]) =>
    fc.constantFrom<[string, string]>(
      // replace one character with other text
      [body, body.slice(0, seed % body.length) + text + body.slice((seed % body.length) + 1)],
      // insert text
      [body, body.slice(0, seed % (body.length + 1)) + text + body.slice(seed % (body.length + 1))],
      // remove one character
      [body, body.slice(0, seed % body.length) + body.slice((seed % body.length) + 1)],
    ),
  )
  // The signature covers the UTF-8 bytes: a cut through a surrogate pair is still a different byte string.
  .filter(([body, modified]) => !Buffer.from(body, 'utf8').equals(Buffer.from(modified, 'utf8')));

describe('webhook signature (property)', () => {
  it('a signed body verifies', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500, unit: 'binary' }), (body) => {
        const header = signatureHeader(SECRET, NOW_S, body);
        expect(checkSignature(body, header, [SECRET], options).ok).toBe(true);
      }),
    );
  });

  it('any modification of the body fails verification', () => {
    fc.assert(
      fc.property(bodyAndModified, ([body, modified]) => {
        const header = signatureHeader(SECRET, NOW_S, body);
        expect(checkSignature(modified, header, [SECRET], options)).toMatchObject({
          ok: false,
          reason: 'signature-mismatch',
        });
      }),
      { numRuns: 500 },
    );
  });

  it('any other secret fails verification', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 100 }),
        fc.string({ minLength: 1, maxLength: 64 }),
        (body, other) => {
          fc.pre(other !== SECRET);
          const header = signatureHeader(other, NOW_S, body);
          expect(checkSignature(body, header, [SECRET], options).ok).toBe(false);
        },
      ),
    );
  });
});
