import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, setUpLocalAuth } from '#local/local-auth.ts';
import { OpenAdminRoutesError } from '#local/runtime-options.ts';

/** The runtime's authorization set-up: no admin routes open to the network (issue 10 §4.7). */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tally-local-auth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('setUpLocalAuth', () => {
  it('refuses a non-loopback host while admin routes are open (no admin token, no --auth)', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.test']) {
      await expect(setUpLocalAuth({ host, env: { TALLY_ADMIN_TOKEN: '' } }), host).rejects.toBeInstanceOf(
        OpenAdminRoutesError,
      );
    }
  });

  it('listens anywhere once admin routes are guarded, by the admin token or by --auth', async () => {
    const guarded = await setUpLocalAuth({ host: '0.0.0.0', env: { TALLY_ADMIN_TOKEN: 'x' } });
    expect(guarded).toMatchObject({ mode: 'off', adminRoutesOpen: false });
    const jwt = await setUpLocalAuth({
      host: '0.0.0.0',
      auth: 'jwt',
      dataDir: dir,
      env: { TALLY_ADMIN_TOKEN: '' },
    });
    expect(jwt).toMatchObject({ mode: 'jwt', adminRoutesOpen: false });
    expect(jwt.jwks?.keys).toHaveLength(1);
  });

  it('keeps the quick start: loopback with admin routes open, and says they are open', async () => {
    const open = await setUpLocalAuth({ host: '127.0.0.1', env: { TALLY_ADMIN_TOKEN: '' } });
    expect(open).toMatchObject({ mode: 'off', adminRoutesOpen: true });
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopback(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.example']) {
      expect(isLoopback(host), host).toBe(false);
    }
  });
});
