import { describe, expect, it } from 'vitest';
import { createRateLimiter, rateClientOf } from '#local/rate-limit.ts';

describe('createRateLimiter', () => {
  it('lets a burst through, refuses past it with a Retry-After, and refills at the rate', () => {
    let nowMs = 0;
    const limit = createRateLimiter({ perSecond: 2, nowMs: () => nowMs });
    const burst = Array.from({ length: 4 }, () => limit('a'));
    expect(burst.every((verdict) => verdict.allowed)).toBe(true);
    expect(limit('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    nowMs += 499; // not quite one token
    expect(limit('a').allowed).toBe(false);
    nowMs += 1;
    expect(limit('a').allowed).toBe(true);
    expect(limit('a').allowed).toBe(false);
  });

  it('keeps one bucket per client', () => {
    const limit = createRateLimiter({ perSecond: 1, burst: 1, nowMs: () => 0 });
    expect(limit('a').allowed).toBe(true);
    expect(limit('a').allowed).toBe(false);
    expect(limit('b').allowed).toBe(true);
  });

  it('says how long to wait at a slow rate, and refuses a rate that is not positive', () => {
    const limit = createRateLimiter({ perSecond: 0.25, burst: 1, nowMs: () => 0 });
    limit('a');
    expect(limit('a')).toEqual({ allowed: false, retryAfterSeconds: 4 });
    expect(() => createRateLimiter({ perSecond: 0 })).toThrow(RangeError);
  });
});

describe('rateClientOf', () => {
  it('prefers the subject, then the bearer token, then the address', () => {
    expect(rateClientOf('alice', 'Bearer t1', '127.0.0.1')).toBe('sub:alice');
    expect(rateClientOf(undefined, 'Bearer t1', '127.0.0.1')).toBe('token:t1');
    expect(rateClientOf(undefined, undefined, '127.0.0.1')).toBe('ip:127.0.0.1');
  });
});
