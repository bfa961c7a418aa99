import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  assertWalletAccess,
  isServiceOrAdmin,
  type Principal,
  principalOf,
  walletIdsClaim,
} from '#http/principal.ts';
import { HttpProblem } from '#http/problem.ts';
import { httpEvent } from '../../support/http.ts';
import { withJwt } from '../../support/jwt-context.ts';

const withClaims = (claims: Record<string, unknown>, scopes: string[] | null = null) =>
  withJwt(httpEvent({ method: 'GET', path: '/details/w1' }), claims, scopes);

function thrown(run: () => unknown): HttpProblem {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error('expected a problem, nothing was thrown');
}

const walletsOf = (principal: Principal) =>
  principal.kind === 'token' && principal.walletIds !== 'any' ? [...principal.walletIds].sort() : principal;

describe('principalOf', () => {
  it('reads no authorizer context as a service principal (auth off locally, or IAM)', () => {
    expect(principalOf(httpEvent({ method: 'GET', path: '/details/w1' }))).toEqual({ kind: 'service' });
  });

  it('reads a token without wallet_ids as one that may act on any wallet', () => {
    const principal = principalOf(withClaims({ sub: 'svc' }, ['wallets:read']));
    expect(principal).toMatchObject({ kind: 'token', walletIds: 'any' });
    expect(principal.kind === 'token' && [...principal.scopes]).toEqual(['wallets:read']);
  });

  it('takes the scopes from the scope claim when the authorizer gives none', () => {
    const principal = principalOf(withClaims({ scope: 'wallets:read  admin' }, null));
    expect(principal.kind === 'token' && [...principal.scopes].sort()).toEqual(['admin', 'wallets:read']);
    expect(isServiceOrAdmin(principal)).toBe(true);
  });

  it.each([
    ['a space-separated string', 'w1 w2'],
    ["API Gateway's rendering of an array claim", '[w1 w2]'],
    ['JSON text of an array', '["w1","w2"]'],
    ['a real JSON array', ['w1', 'w2']],
    ['extra whitespace', '  w2\tw1  '],
  ])('reads wallet_ids given as %s', (_shape, claim) => {
    expect(walletsOf(principalOf(withClaims({ wallet_ids: claim })))).toEqual(['w1', 'w2']);
  });

  it.each([
    ['an empty string', ''],
    ['a number', 42],
    ['a boolean', true],
    ['an empty array', []],
    ['an array of non-strings', [1, 2]],
  ])('reads wallet_ids given as %s as no wallets at all (fail closed)', (_shape, claim) => {
    expect(walletsOf(principalOf(withClaims({ wallet_ids: claim })))).toEqual([]);
  });

  it('refuses an authorizer context it cannot read with 401, never as a service principal', () => {
    const event = httpEvent({ method: 'GET', path: '/details/w1' });
    const garbled = {
      ...event,
      requestContext: { ...event.requestContext, authorizer: { jwt: { claims: 'x', scopes: 7 } } },
    } as unknown as APIGatewayProxyEventV2;
    expect(thrown(() => principalOf(garbled)).problem).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});

describe('walletIdsClaim', () => {
  it('keeps a wallet id with the characters wallet ids may hold', () => {
    expect([...walletIdsClaim('alice@example.com a.b_c:d-e')]).toEqual(['alice@example.com', 'a.b_c:d-e']);
  });
});

describe('assertWalletAccess', () => {
  const bound = principalOf(withClaims({ wallet_ids: 'w1 w2' }, ['wallets:read']));

  it('lets a service principal and an unbound token act on any wallet, and every wallet', () => {
    for (const principal of [{ kind: 'service' } as const, principalOf(withClaims({}, ['admin']))]) {
      expect(() => assertWalletAccess(principal, ['w9'])).not.toThrow();
      expect(() => assertWalletAccess(principal, 'every')).not.toThrow();
    }
  });

  it('lets a bound token act on its own wallets, and on requests that name none', () => {
    expect(() => assertWalletAccess(bound, ['w1'])).not.toThrow();
    expect(() => assertWalletAccess(bound, ['w2', 'w1', 'w2'])).not.toThrow();
    expect(() => assertWalletAccess(bound, [])).not.toThrow();
  });

  it('answers 403 forbidden-wallet for another wallet, even one among its own', () => {
    for (const reach of [['w3'], ['w1', 'w3'], ['W1']]) {
      expect(thrown(() => assertWalletAccess(bound, reach)).problem).toMatchObject({
        status: 403,
        code: 'forbidden-wallet',
      });
    }
  });

  it('answers 403 when a bound token would act on every wallet (a job over the table)', () => {
    expect(thrown(() => assertWalletAccess(bound, 'every')).problem.status).toBe(403);
  });

  it('answers 403 for every wallet when the claim held none', () => {
    const none = principalOf(withClaims({ wallet_ids: '' }));
    expect(thrown(() => assertWalletAccess(none, ['w1'])).problem.code).toBe('forbidden-wallet');
  });

  it('shows idempotency keys only to service principals and admin tokens', () => {
    expect(isServiceOrAdmin({ kind: 'service' })).toBe(true);
    expect(isServiceOrAdmin(bound)).toBe(false);
    expect(isServiceOrAdmin(principalOf(withClaims({ wallet_ids: 'w1' }, ['admin'])))).toBe(true);
  });
});
