import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, type DevIssuer, loadDevIssuer } from '#adapters/local/dev-issuer.ts';
import { sameSecret } from '#http/admin.ts';
import { FUNCTIONS } from '#lib/wiring.ts';
import { compileRoutes } from '#local/http-routes.ts';
import { createLocalAuthorizer } from '#local/local-authorizer.ts';

/**
 * The local stand-in for API Gateway's JWT authorizer and the admin-token shortcut, on the real
 * wiring table's routes: 401 for a missing or bad token, 403 for a missing scope, and the claims
 * handed on as API Gateway hands them.
 */
type SigningKey = Parameters<SignJWT['sign']>[0];
const routes = compileRoutes(FUNCTIONS);
const route = (routeKey: string) => {
  const found = routes.find((candidate) => candidate.routeKey === routeKey);
  if (found === undefined) throw new Error(`no route ${routeKey}`);
  return found;
};
const DEPOSIT = route('POST /deposit');
const HEALTH = route('GET /health');
const REPLAY = route('POST /replay');

let dir: string;
let issuer: DevIssuer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tally-authorizer-'));
  issuer = await loadDevIssuer(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const jwt = () => createLocalAuthorizer({ mode: 'jwt', issuer });
const bearer = (token: string) => `Bearer ${token}`;

describe('local authorizer, --auth (jwt)', () => {
  it('answers 401 without a token, and lets a public route through without one', async () => {
    expect(await jwt()(DEPOSIT, undefined)).toMatchObject({
      kind: 'deny',
      status: 401,
      code: 'unauthorized',
    });
    expect(await jwt()(DEPOSIT, 'Bearer ')).toMatchObject({ kind: 'deny', status: 401 });
    expect(await jwt()(HEALTH, undefined)).toEqual({ kind: 'allow' });
  });

  it('answers 401 for a malformed, expired, wrongly signed, foreign-issuer or foreign-audience token', async () => {
    const other = await generateKeyPair('ES256');
    // The issuer's own private key, so only the claim under test is wrong.
    const own = JSON.parse(await readFile(issuer.keyFile, 'utf8')) as { privateJwk: JWK };
    const ownKey = (await importJWK({ ...own.privateJwk, alg: 'ES256' }, 'ES256')) as SigningKey;
    const kid = issuer.jwks.keys[0]?.kid ?? '';
    const signed = (build: (token: SignJWT) => SignJWT, key: SigningKey = other.privateKey) =>
      build(new SignJWT({ scope: 'wallets:write' }).setProtectedHeader({ alg: 'ES256', kid })).sign(key);
    const valid = (token: SignJWT) =>
      token.setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setExpirationTime('1h');
    const cases: [string, string][] = [
      ['not.a.jwt', 'well-formed'],
      ['garbage', 'well-formed'],
      [await issuer.sign({ scope: 'wallets:write' }, '-10s'), 'expired'],
      [await signed(valid), 'signature'],
      [
        await signed(
          (token) => token.setIssuer('https://elsewhere').setAudience(DEV_AUDIENCE).setExpirationTime('1h'),
          ownKey,
        ),
        'issuer',
      ],
      [
        await signed(
          (token) => token.setIssuer(DEV_ISSUER).setAudience('another-api').setExpirationTime('1h'),
          ownKey,
        ),
        'audience',
      ],
    ];
    for (const [token, problem] of cases) {
      const verdict = await jwt()(DEPOSIT, bearer(token));
      expect(verdict, problem).toMatchObject({ kind: 'deny', status: 401 });
      if (verdict.kind === 'deny') {
        expect(verdict.detail).toContain(problem);
        expect(verdict.challenge).toContain('error="invalid_token"');
      }
    }
  });

  it('answers 403 for a valid token without any of the route’s scopes', async () => {
    const token = await issuer.sign({ scope: 'wallets:read events:write' }, '1h');
    const verdict = await jwt()(DEPOSIT, bearer(token));
    expect(verdict).toMatchObject({ kind: 'deny', status: 403, code: 'forbidden' });
    expect(verdict.kind === 'deny' && verdict.challenge).toContain('insufficient_scope');
    expect(await jwt()(REPLAY, bearer(await issuer.sign({ scope: 'wallets:write' }, '1h')))).toMatchObject({
      status: 403,
    });
  });

  it('hands on the claims as API Gateway does: strings, scopes split from the scope claim', async () => {
    const token = await issuer.sign(
      { scope: 'wallets:read wallets:write', wallet_ids: 'w1 w2', sub: 'dev' },
      '1h',
    );
    const verdict = await jwt()(DEPOSIT, token); // without the Bearer prefix, as API Gateway accepts it
    expect(verdict.kind).toBe('allow');
    if (verdict.kind !== 'allow') return;
    expect(verdict.jwt?.scopes).toEqual(['wallets:read', 'wallets:write']);
    expect(verdict.jwt?.claims).toMatchObject({
      wallet_ids: 'w1 w2',
      sub: 'dev',
      iss: DEV_ISSUER,
      aud: DEV_AUDIENCE,
    });
    expect(typeof verdict.jwt?.claims.exp).toBe('string');
  });

  it('opens admin routes to an admin-scoped token, and to TALLY_ADMIN_TOKEN when it is set', async () => {
    const admin = await issuer.sign({ scope: 'admin' }, '1h');
    expect(await jwt()(REPLAY, bearer(admin))).toMatchObject({ kind: 'allow' });
    const withToken = createLocalAuthorizer({ mode: 'jwt', issuer, adminToken: 's3cret' });
    expect(await withToken(REPLAY, bearer('s3cret'))).toEqual({ kind: 'allow' });
    expect(await withToken(REPLAY, bearer(admin))).toMatchObject({ kind: 'allow' });
    // The admin token opens admin routes only.
    expect(await withToken(DEPOSIT, bearer('s3cret'))).toMatchObject({ kind: 'deny', status: 401 });
  });
});

describe('local authorizer, auth off', () => {
  it('lets every route through without a token when no admin token is set', async () => {
    const off = createLocalAuthorizer({ mode: 'off' });
    expect(await off(DEPOSIT, undefined)).toEqual({ kind: 'allow' });
    expect(await off(REPLAY, undefined)).toEqual({ kind: 'allow' });
  });

  it('guards admin routes with TALLY_ADMIN_TOKEN: 401 without it, 403 with another, in any length', async () => {
    const off = createLocalAuthorizer({ mode: 'off', adminToken: 's3cret' });
    expect(await off(REPLAY, undefined)).toMatchObject({ status: 401, code: 'unauthorized' });
    for (const wrong of ['s', 's3cre', 's3cret2', 'S3CRET', 's3cret s3cret']) {
      expect(await off(REPLAY, bearer(wrong)), wrong).toMatchObject({ status: 403, code: 'forbidden' });
    }
    expect(await off(REPLAY, bearer('s3cret'))).toEqual({ kind: 'allow' });
    expect(await off(DEPOSIT, undefined)).toEqual({ kind: 'allow' });
  });

  it('compares secrets of different lengths without throwing (digests, not the strings)', () => {
    expect(sameSecret('a', 'a')).toBe(true);
    expect(sameSecret('a', 'ab')).toBe(false);
    expect(sameSecret('', 'x'.repeat(1000))).toBe(false);
  });
});
