import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevIssuer, JWKS_PATH, loadDevIssuer } from '../../functions/adapters/local/dev-issuer.ts';
import { type LocalHttpServer, startHttpServer } from '../../functions/local/http-server.ts';
import { createLocalAuthorizer } from '../../functions/local/local-authorizer.ts';
import type { FunctionSpec } from '../../lib/wiring.ts';

/**
 * The local API Gateway with its JWT authorizer on: the handler gets the verified claims in
 * `requestContext.authorizer.jwt`, exactly where API Gateway puts them, and nothing without a token.
 */
const FUNCTIONS: FunctionSpec[] = [
  {
    name: 'echo',
    entry: 'unused/echo.ts',
    description: 'echo',
    memoryMb: 128,
    timeoutSeconds: 3,
    tableAccess: 'read',
    routes: [
      { method: 'POST', path: '/scoped/{id}', auth: { scopes: ['wallets:write', 'admin'] } },
      { method: 'GET', path: '/open', auth: { public: 'test route' } },
    ],
  },
];

let dir: string;
let issuer: DevIssuer;
let server: LocalHttpServer;
const seen: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tally-http-auth-'));
  issuer = await loadDevIssuer(dir);
  server = await startHttpServer({
    functions: FUNCTIONS,
    loadHandler: async () => async (event) => {
      seen.push(event as APIGatewayProxyEventV2WithJWTAuthorizer);
      return { ok: true };
    },
    port: 0,
    region: 'us-east-1',
    authorizer: createLocalAuthorizer({ mode: 'jwt', issuer }),
    jwks: issuer.jwks,
    log: () => undefined,
  });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('local HTTP API with --auth', () => {
  it('puts the claims and scopes into requestContext.authorizer.jwt, as API Gateway does', async () => {
    seen.length = 0;
    const token = await issuer.sign({ scope: 'wallets:read wallets:write', wallet_ids: 'w1 w2' }, '10m');
    const response = await fetch(`${server.url}/scoped/w1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    const jwt = seen[0]?.requestContext.authorizer.jwt;
    expect(jwt?.scopes).toEqual(['wallets:read', 'wallets:write']);
    expect(jwt?.claims).toMatchObject({ wallet_ids: 'w1 w2', scope: 'wallets:read wallets:write' });
  });

  it('refuses before reading the body or calling the handler, and serves the JWKS', async () => {
    seen.length = 0;
    const refused = await fetch(`${server.url}/scoped/w1`, { method: 'POST', body: 'x'.repeat(200_000) });
    expect(refused.status).toBe(401);
    expect(seen).toHaveLength(0);
    const open = await fetch(`${server.url}/open`);
    expect(open.status).toBe(200);
    expect(seen[0]?.requestContext).not.toHaveProperty('authorizer');
    const jwks = await fetch(`${server.url}${JWKS_PATH}`);
    expect(await jwks.json()).toEqual(issuer.jwks);
  });
});
