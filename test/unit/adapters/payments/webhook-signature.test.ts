import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  checkSignature,
  computeSignature,
  parseSignatureHeader,
  signatureHeader,
} from '#adapters/payments/webhook-signature.ts';

const SECRET = 'whsec_test_0123456789abcdef';
const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;
const PAYLOAD = '{"id":"evt_1","type":"payment_intent.succeeded"}';
const options = { nowMs: NOW_MS, toleranceSeconds: 300 };

describe('signing', () => {
  it('is HMAC-SHA256 over "<t>.<payload>", hex, in a t=…,v1=… header', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW_S}.${PAYLOAD}`).digest('hex');
    expect(computeSignature(SECRET, NOW_S, PAYLOAD)).toBe(expected);
    expect(signatureHeader(SECRET, NOW_S, PAYLOAD)).toBe(`t=${NOW_S},v1=${expected}`);
  });

  it('is byte for byte what the stripe package generates (the sandbox signs exactly like Stripe)', () => {
    const stripes = Stripe.webhooks.generateTestHeaderString({
      payload: PAYLOAD,
      secret: SECRET,
      timestamp: NOW_S,
    });
    expect(signatureHeader(SECRET, NOW_S, PAYLOAD)).toBe(stripes);
  });

  it('verifies with the stripe package’s own check', () => {
    const header = signatureHeader(SECRET, NOW_S, PAYLOAD);
    expect(Stripe.webhooks.signature?.verifyHeader(PAYLOAD, header, SECRET, 300, undefined, NOW_MS)).toBe(
      true,
    );
  });
});

describe('checkSignature', () => {
  const header = signatureHeader(SECRET, NOW_S, PAYLOAD);

  it('accepts a valid, fresh delivery', () => {
    expect(checkSignature(PAYLOAD, header, [SECRET], options)).toEqual({ ok: true, timestampSeconds: NOW_S });
  });

  it('accepts with any of the secrets (rotation) and any of the v1 signatures', () => {
    expect(checkSignature(PAYLOAD, header, ['whsec_old_secret_xxxx', SECRET], options).ok).toBe(true);
    const two = `t=${NOW_S},v1=${'0'.repeat(64)},v1=${computeSignature(SECRET, NOW_S, PAYLOAD)}`;
    expect(checkSignature(PAYLOAD, two, [SECRET], options).ok).toBe(true);
  });

  it('refuses the wrong secret', () => {
    expect(checkSignature(PAYLOAD, header, ['whsec_some_other_secret'], options)).toMatchObject({
      ok: false,
      reason: 'signature-mismatch',
    });
  });

  it('refuses a tampered body', () => {
    const tampered = PAYLOAD.replace('succeeded', 'failed');
    expect(checkSignature(tampered, header, [SECRET], options)).toMatchObject({
      reason: 'signature-mismatch',
    });
    expect(checkSignature(`${PAYLOAD} `, header, [SECRET], options)).toMatchObject({
      reason: 'signature-mismatch',
    });
  });

  it('refuses a re-timed header (the timestamp is signed with the body)', () => {
    const signature = computeSignature(SECRET, NOW_S - 3600, PAYLOAD);
    expect(checkSignature(PAYLOAD, `t=${NOW_S},v1=${signature}`, [SECRET], options)).toMatchObject({
      reason: 'signature-mismatch',
    });
  });

  it('accepts the edges of the window and refuses one second beyond, in the past and in the future', () => {
    const at = (t: number) => checkSignature(PAYLOAD, signatureHeader(SECRET, t, PAYLOAD), [SECRET], options);
    expect(at(NOW_S - 300).ok).toBe(true);
    expect(at(NOW_S + 300).ok).toBe(true);
    expect(at(NOW_S - 301)).toMatchObject({ ok: false, reason: 'stale-timestamp' });
    expect(at(NOW_S + 301)).toMatchObject({ ok: false, reason: 'future-timestamp' });
  });

  it('refuses a missing or empty header', () => {
    expect(checkSignature(PAYLOAD, undefined, [SECRET], options)).toMatchObject({
      reason: 'missing-signature',
    });
    expect(checkSignature(PAYLOAD, ' ', [SECRET], options)).toMatchObject({ reason: 'missing-signature' });
  });

  it.each([
    'v1=abc',
    `t=${NOW_S}`,
    `t=${NOW_S},v0=${'a'.repeat(64)}`,
    `t=soon,v1=${'a'.repeat(64)}`,
    `t=${NOW_S},t=${NOW_S},v1=${'a'.repeat(64)}`,
    `t=${NOW_S},v1=${'a'.repeat(5000)}`,
    `t=${NOW_S},${Array.from({ length: 20 }, () => `v1=${'a'.repeat(64)}`).join(',')}`,
  ])('refuses the malformed header %#', (bad) => {
    expect(checkSignature(PAYLOAD, bad, [SECRET], options)).toMatchObject({ reason: 'malformed-signature' });
  });

  it('refuses a signature of the wrong length or not hex without throwing', () => {
    for (const signature of ['abcd', 'z'.repeat(64), computeSignature(SECRET, NOW_S, PAYLOAD).slice(0, 63)]) {
      expect(checkSignature(PAYLOAD, `t=${NOW_S},v1=${signature}`, [SECRET], options)).toMatchObject({
        reason: 'signature-mismatch',
      });
    }
  });
});

describe('parseSignatureHeader', () => {
  it('reads t and every v1, ignoring other schemes', () => {
    expect(parseSignatureHeader(`t=12,v0=zz,v1=AB,v1=cd`)).toEqual({
      timestampSeconds: 12,
      signatures: ['ab', 'cd'],
    });
  });
});
