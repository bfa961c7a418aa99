import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookRejectionReason } from '#ports/payment-provider.ts';

/**
 * Stripe's webhook signing scheme, which the sandbox provider uses as is: the header
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (more than one `v1` while a
 * secret is being rotated). Signing the timestamp with the body is what makes the freshness check
 * meaningful: a captured delivery cannot be replayed later with a new `t`.
 */
export const SIGNATURE_SCHEME = 'v1';

/** Bounds on what we parse from a header a stranger sends (TigerBeetle style: every loop has a limit). */
const HEADER_LENGTH_MAX = 4096;
const SIGNATURES_MAX = 8;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** The hex HMAC-SHA256 of `"<timestampSeconds>.<payload>"`. */
export function computeSignature(secret: string, timestampSeconds: number, payload: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
}

/** The whole signature header for a payload signed at `timestampSeconds`. */
export function signatureHeader(secret: string, timestampSeconds: number, payload: string): string {
  return `t=${timestampSeconds},${SIGNATURE_SCHEME}=${computeSignature(secret, timestampSeconds, payload)}`;
}

export interface ParsedSignatureHeader {
  timestampSeconds: number;
  /** The `v1` signatures, lower-case hex; other schemes are ignored, as Stripe does. */
  signatures: string[];
}

/** Reads a signature header; null when it is not of the form `t=…,v1=…`. */
export function parseSignatureHeader(header: string): ParsedSignatureHeader | null {
  if (header.length > HEADER_LENGTH_MAX) return null;
  let timestampSeconds: number | null = null;
  const signatures: string[] = [];
  const parts = header.split(',');
  if (parts.length > SIGNATURES_MAX + 2) return null;
  for (const part of parts) {
    const separator = part.indexOf('=');
    if (separator <= 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestampSeconds !== null) return null;
      timestampSeconds = Number(value);
    } else if (key === SIGNATURE_SCHEME) {
      signatures.push(value.toLowerCase());
    }
  }
  if (timestampSeconds === null || signatures.length === 0) return null;
  return { timestampSeconds, signatures };
}

export type SignatureCheck =
  | { ok: true; timestampSeconds: number }
  | { ok: false; reason: Exclude<WebhookRejectionReason, 'unreadable-payload'>; detail: string };

export interface SignatureCheckOptions {
  nowMs: number;
  /** How far the signed timestamp may be from now, in either direction. */
  toleranceSeconds: number;
}

/**
 * Checks a delivery: the header is present and well formed, one of its `v1` signatures equals
 * ours (constant-time, so the comparison leaks nothing about how much of a guess was right), and
 * the signed timestamp is within the tolerance of now — in the past (a replay) or in the future
 * (a clock far off, or a forged header that was signed for later).
 */
export function checkSignature(
  payload: string,
  header: string | undefined,
  secrets: readonly string[],
  options: SignatureCheckOptions,
): SignatureCheck {
  if (header === undefined || header.trim() === '') {
    return { ok: false, reason: 'missing-signature', detail: 'no signature header' };
  }
  const parsed = parseSignatureHeader(header);
  if (parsed === null) {
    return { ok: false, reason: 'malformed-signature', detail: 'the signature header is not t=…,v1=…' };
  }
  const matched = secrets.some((secret) => {
    const expected = Buffer.from(computeSignature(secret, parsed.timestampSeconds, payload), 'hex');
    return parsed.signatures.some(
      (signature) => HEX_SHA256.test(signature) && timingSafeEqual(Buffer.from(signature, 'hex'), expected),
    );
  });
  if (!matched) {
    return { ok: false, reason: 'signature-mismatch', detail: 'no signature matches the payload' };
  }
  return checkTimestamp(parsed.timestampSeconds, options);
}

/** The freshness half of the check, also used on top of Stripe's own (which only rejects the past). */
export function checkTimestamp(timestampSeconds: number, options: SignatureCheckOptions): SignatureCheck {
  const ageSeconds = Math.floor(options.nowMs / 1000) - timestampSeconds;
  if (ageSeconds > options.toleranceSeconds) {
    return { ok: false, reason: 'stale-timestamp', detail: `signed ${ageSeconds} s ago` };
  }
  if (-ageSeconds > options.toleranceSeconds) {
    return { ok: false, reason: 'future-timestamp', detail: `signed ${-ageSeconds} s in the future` };
  }
  return { ok: true, timestampSeconds };
}
