import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * `tally dev --auth` end to end (issue 10 §1): the routes check tokens as API Gateway's JWT
 * authorizer does, against the local dev issuer whose keys are in the data dir, and the tokens come
 * from the real `npx tally token`, a separate process that finds the keys in the same data dir.
 */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
let runtime: LocalRuntime;
let dataDir: string;

/** `npx tally token …` in the repository, with the data dir as `npm start` would have it. */
function mintToken(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'npx',
      ['--offline', 'tally', 'token', ...args],
      { cwd: REPO_ROOT, env: { ...process.env, TALLY_DATA_DIR: dataDir }, timeout: 60_000 },
      (error, stdout, stderr) =>
        error === null ? resolve(stdout.trim()) : reject(new Error(`${error}\n${stderr}`)),
    );
  });
}

const deposit = (walletId: string, token?: string): Promise<Response> =>
  fetch(`${runtime.url}/deposit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ WalletID: walletId, Amount: 5 }),
  });

let tokens: { write: string; read: string; otherWallet: string; ownWallet: string; admin: string };

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tally-auth-e2e-'));
  runtime = await startTestRuntime({ auth: 'jwt', dataDir, inMemory: true });
  const [write, read, otherWallet, ownWallet, admin] = await Promise.all([
    mintToken(['--scope', 'wallets:write']),
    mintToken(['--scope', 'wallets:read', '--scope', 'events:write']),
    mintToken(['--scope', 'wallets:write', '--wallet', 'auth-someone-else']),
    mintToken(['--scope', 'wallets:write', '--wallet', 'auth-mine', '--wallet', 'auth-mine-too']),
    mintToken(['--scope', 'admin', '--ttl', '5m']),
  ]);
  tokens = { write, read, otherWallet, ownWallet, admin } as typeof tokens;
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('tally dev --auth', () => {
  it('refuses a deposit without a token: 401 problem with WWW-Authenticate', async () => {
    const response = await deposit('auth-mine');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await response.json()).toMatchObject({
      status: 401,
      type: 'https://tally.dev/problems/unauthorized',
    });
  });

  it('refuses a deposit with a token lacking wallets:write: 403', async () => {
    const response = await deposit('auth-mine', tokens.read);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      status: 403,
      type: 'https://tally.dev/problems/forbidden',
    });
  });

  it('refuses a token that is not the dev issuer’s: 401', async () => {
    const [header, payload] = tokens.write.split('.');
    const response = await deposit('auth-mine', `${header}.${payload}.${'A'.repeat(86)}`);
    expect(response.status).toBe(401);
  });

  it('accepts a deposit with a token minted by npx tally token --scope wallets:write: 201', async () => {
    const response = await deposit('auth-mine', tokens.write);
    expect(response.status, await response.clone().text()).toBe(201);
    const wallet = await fetch(`${runtime.url}/wallets/auth-mine`, {
      headers: { authorization: `Bearer ${tokens.read}` },
    });
    expect(wallet.status).toBe(200);
  });

  it('accepts a wallet-bound token for its own wallets', async () => {
    const response = await deposit('auth-mine-too', tokens.ownWallet);
    expect(response.status, await response.clone().text()).toBe(201);
  });

  // Passes once the handlers check the wallet_ids claim (the handlers' part of issue 10 §1).
  it('refuses a wallet-bound token for another wallet: 403', async () => {
    const response = await deposit('auth-mine', tokens.otherWallet);
    expect(response.status, await response.clone().text()).toBe(403);
  });

  it('serves the dev issuer’s public key at /.well-known/jwks.json, and /health needs no token', async () => {
    const jwks = (await (await fetch(`${runtime.url}/.well-known/jwks.json`)).json()) as { keys: object[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect((await fetch(`${runtime.url}/health`)).status).toBe(200);
  });

  it('opens admin routes to an admin-scoped token only', async () => {
    const replay = (token?: string) =>
      fetch(`${runtime.url}/replay`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ walletId: 'auth-mine' }),
      });
    expect((await replay()).status).toBe(401);
    expect((await replay(tokens.write)).status).toBe(403);
    const allowed = await replay(tokens.admin);
    expect(allowed.status, await allowed.clone().text()).toBeLessThan(300);
  });
});
