import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDevIssuer } from '../../functions/adapters/local/dev-issuer.ts';
import { type ConsoleHarness, startConsole } from '../support/browser.ts';

/**
 * With `tally dev --auth` the console asks for a token before it calls the API; a dev-issuer token
 * pasted on the sign-in page (what `npx tally token` prints) opens the wallet, and signing out asks again.
 */
const WALLET = 'walletSignIn01';
const POLL = { timeout: 20_000, interval: 200 };

let h: ConsoleHarness;
beforeAll(async () => {
  h = await startConsole({ args: ['--auth'] });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** What `npx tally token --scope …` prints: a token from the dev issuer whose keys are in the data dir. */
async function devToken(...scopes: string[]): Promise<string> {
  const issuer = await loadDevIssuer(h.dataDir);
  return issuer.sign({ sub: 'console-test', scope: scopes.join(' ') }, '10m');
}

describe('signing in to the console with a dev token', () => {
  it('asks for a token, takes a pasted one, reads the wallet with it, and asks again after sign-out', async () => {
    const writer = await devToken('wallets:write');
    const deposit = await h.api(
      'POST',
      '/deposit',
      { WalletID: WALLET, Amount: 250.5 },
      { authorization: `Bearer ${writer}` },
    );
    expect(deposit.status).toBe(201);
    expect((await h.api('GET', `/wallets/${WALLET}`)).status).toBe(401);

    const page = h.page;
    await page.goto(h.consoleUrl(`/wallets/${WALLET}`));
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Sign in');
    expect(await page.getByTestId('money-balance').count()).toBe(0);
    await page.locator('main').getByRole('link', { name: 'Sign in' }).click();
    await page.waitForURL('**/console/sign-in**');
    expect(await page.locator('pre.command').textContent()).toContain('npx tally token');
    await page.getByLabel('Token').fill('not a token');
    await page.getByRole('button', { name: 'Use this token' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('not a JWT');

    await page
      .getByLabel('Token')
      .fill(await devToken('admin', 'wallets:read', 'wallets:write', 'events:read'));
    await h.screenshot('08-sign-in');
    await page.getByRole('button', { name: 'Use this token' }).click();
    await page.waitForURL(`**/console/wallets/${WALLET}`);
    await expect.poll(() => page.getByTestId('money-balance').textContent(), POLL).toBe('250.50');
    await expect
      .poll(() => page.getByTestId('verify').textContent(), POLL)
      .toBe('✓ Chain verified: 1 events');
    expect(await page.getByTestId('session').textContent()).toContain('Signed in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), POLL).toBe('Sign in');
  });
});
