import * as path from 'node:path';
import { decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, loadDevIssuer } from '#adapters/local/dev-issuer.ts';
import { EXIT_OK, EXIT_USAGE, type Io, runCommand } from '../../../functions/cli/command.ts';
import { authBanner, authModeOf } from '../../../functions/cli/dev.ts';
import { tokenCommand } from '../../../functions/cli/token.ts';
import { fixtureDir } from './fake-api.ts';

/** `tally token` in-process, and what `tally dev` says about auth on its first line. */
const fixture = fixtureDir('tally-token-');

async function token(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env,
    cwd: fixture.path,
    fetch: () => Promise.reject(new Error('no network in this test')),
  };
  const code = await runCommand('token', tokenCommand, args, io);
  return { code, out: out.join(''), err: err.join('') };
}

describe('tally token', () => {
  it('prints a token the dev issuer in the same data dir verifies, with scope, wallet_ids and ttl', async () => {
    const minted = await token(
      [
        '--scope',
        'wallets:write',
        '--scope',
        'wallets:read',
        '--wallet',
        'w1',
        '--wallet',
        'w2',
        '--ttl',
        '30m',
      ],
      { TALLY_DATA_DIR: 'data' },
    );
    expect(minted.code, minted.err).toBe(EXIT_OK);
    const issuer = await loadDevIssuer(path.join(fixture.path, 'data'));
    const { payload } = await jwtVerify(minted.out, issuer.verificationKeys, {
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
    });
    expect(payload).toMatchObject({
      scope: 'wallets:write wallets:read',
      wallet_ids: 'w1 w2',
      sub: 'local-developer',
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(30 * 60);
  });

  it('finds the keys by --data-dir, and makes them on first use', async () => {
    const minted = await token(['--scope', 'admin', '--data-dir', 'other']);
    expect(minted.code).toBe(EXIT_OK);
    expect(decodeJwt(minted.out)).not.toHaveProperty('wallet_ids');
    const issuer = await loadDevIssuer(path.join(fixture.path, 'other'));
    await expect(jwtVerify(minted.out, issuer.verificationKeys)).resolves.toBeDefined();
  });

  it('exits 2 for no scope, an unknown scope, a bad ttl or a wallet id with a space', async () => {
    for (const args of [
      [],
      ['--scope', 'wallets:steal'],
      ['--scope', 'admin', '--ttl', 'forever'],
      ['--scope', 'admin', '--ttl', '0h'],
      ['--scope', 'wallets:write', '--wallet', 'a b'],
    ]) {
      const result = await token(args);
      expect(result.code, args.join(' ')).toBe(EXIT_USAGE);
      expect(result.out).toBe('');
    }
  });
});

describe('tally dev: auth mode and its first line', () => {
  it('turns checks on with --auth or TALLY_AUTH=jwt, and refuses another TALLY_AUTH', () => {
    expect(authModeOf({}, {})).toBe('off');
    expect(authModeOf({ auth: true }, {})).toBe('jwt');
    expect(authModeOf({}, { TALLY_AUTH: 'jwt' })).toBe('jwt');
    expect(authModeOf({}, { TALLY_AUTH: 'off' })).toBe('off');
    expect(() => authModeOf({}, { TALLY_AUTH: 'yes' })).toThrow(/TALLY_AUTH/);
  });

  it('says loudly that auth is off, and whether admin routes are open', () => {
    expect(authBanner('off', {})).toMatch(/^AUTH OFF: .*ADMIN ROUTES ARE OPEN/);
    expect(authBanner('off', { TALLY_ADMIN_TOKEN: 'x' })).toMatch(
      /^AUTH OFF: .*admin routes need TALLY_ADMIN_TOKEN/,
    );
    expect(authBanner('jwt', {})).toMatch(/^AUTH ON/);
  });
});
