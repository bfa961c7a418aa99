import { LRUCache } from 'lru-cache';

/**
 * `tally dev --rate-limit N`: a token bucket per client, as the deployed stack's WAF rate rule per
 * bearer token does (issue 10 §4.1), so a client that floods the local API meets 429 here as it
 * would in AWS. A client is its token's subject with `--auth`, else its bearer token, else its
 * address. Each bucket holds `burst` requests and refills at `perSecond`.
 */
export interface RateLimitOptions {
  perSecond: number;
  /** @default 2 × perSecond */
  burst?: number;
  /** Clients remembered at once (the least recently seen are forgotten, as full buckets). @default 10 000 */
  clientsMax?: number;
  nowMs?: () => number;
}

export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export type RateLimiter = (client: string) => RateVerdict;

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const { perSecond } = options;
  if (!(perSecond > 0) || !Number.isFinite(perSecond))
    throw new RangeError('perSecond must be a positive number');
  const burst = options.burst ?? 2 * perSecond;
  const now = options.nowMs ?? Date.now;
  const buckets = new LRUCache<string, { tokens: number; atMs: number }>({
    max: options.clientsMax ?? 10_000,
  });
  return (client) => {
    const atMs = now();
    const bucket = buckets.get(client) ?? { tokens: burst, atMs };
    const tokens = Math.min(burst, bucket.tokens + ((atMs - bucket.atMs) / 1_000) * perSecond);
    if (tokens < 1) {
      buckets.set(client, { tokens, atMs });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
    }
    buckets.set(client, { tokens: tokens - 1, atMs });
    return { allowed: true };
  };
}

/** Who a request is, for the limiter: the verified subject, else its bearer token, else its address. */
export function rateClientOf(
  subject: string | undefined,
  authorization: string | undefined,
  address: string | undefined,
) {
  if (subject !== undefined && subject !== '') return `sub:${subject}`;
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (token !== undefined) return `token:${token}`;
  return `ip:${address ?? 'unknown'}`;
}
