import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, startConsole } from '../support/browser.ts';

/**
 * The console walkthrough (docs/console.md; docs/testing.md, "The console in a browser"), in
 * Chromium against `tally dev`: find a wallet, see a deposit arrive while the page is open (the flag trips), look at a past moment, void the deposit
 * from the timeline, and see the balance and the flag change back; then an award with its rule.
 */
const WALLET = 'walletConsole01';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const POLL = { timeout: 20_000, interval: 200 };

let h: ConsoleHarness;
beforeAll(async () => {
  h = await startConsole();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('the console walkthrough', () => {
  it('finds a wallet, shows a live deposit and the flag window, redraws a past moment, and voids the deposit', async () => {
    const page = h.page;
    const first = await h.api('POST', '/deposit', { WalletID: WALLET, Amount: 8000 });
    expect(first.status).toBe(201);
    const firstAt = Date.parse((first.body as { RecordedAt: string }).RecordedAt);

    // Find the wallet from the start page.
    await page.goto(h.consoleUrl('/'));
    await page.getByLabel('Wallet id').fill(WALLET);
    await h.screenshot('01-find-wallet');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(`**/console/wallets/${WALLET}`);
    const balance = page.getByTestId('money-balance');
    await expect.poll(() => balance.textContent(), POLL).toBe('8,000.00');
    expect(await page.getByTestId('flag').textContent()).toBe('false');
    await expect
      .poll(() => page.getByTestId('verify').textContent(), POLL)
      .toBe('✓ Chain verified: 1 events');
    // The timeline loads apart from the wallet and the badge: wait for it (count() does not).
    await expect.poll(() => page.locator('[data-type="Deposited"]').count(), POLL).toBe(1);
    await h.screenshot('02-wallet');

    // A known-at moment between the two deposits (whole seconds, as the picker takes them).
    const knownAtMs = Math.ceil((firstAt + 1) / 1000) * 1000;
    await sleep(Math.max(0, knownAtMs + 300 - Date.now()));

    // A deposit arrives while the page is open: the page redraws without a reload.
    const second = await h.api('POST', '/deposit', { WalletID: WALLET, Amount: 3000 });
    expect(second.status).toBe(201);
    await expect.poll(() => balance.textContent(), POLL).toBe('11,000.00');
    await expect.poll(() => page.getByTestId('flag').textContent(), POLL).toBe('true');
    const summary = await page.getByTestId('breach-summary').textContent();
    expect(summary).toContain('2 deposits summing to 11,000.00');
    await expect.poll(() => page.locator('[data-type="Deposited"]').count(), POLL).toBe(2);
    expect(await page.locator('.window-chart rect.deposit-bar').count()).toBe(2);
    await expect
      .poll(() => page.getByTestId('verify').textContent(), POLL)
      .toBe('✓ Chain verified: 2 events');
    await h.screenshot('03-deposit-arrived');

    // The page at a past moment: known at a time before the second deposit.
    await page.getByLabel('Known at (record time, UTC)').fill(new Date(knownAtMs).toISOString().slice(0, 19));
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => balance.textContent(), POLL).toBe('8,000.00');
    expect(await page.getByTestId('flag').textContent()).toBe('false');
    expect(page.url()).toContain('knownAt=');
    expect(await page.locator('[data-type="Deposited"]').count()).toBe(1);
    await h.screenshot('04-known-at');
    await page.getByRole('button', { name: 'Now' }).click();
    await expect.poll(() => balance.textContent(), POLL).toBe('11,000.00');

    // Void the second deposit from the timeline: review, confirm, then the API's before/after.
    await page.locator('[data-key="0:2"]').getByRole('button', { name: 'Correct…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('the card payment bounced');
    await dialog.getByRole('button', { name: 'Review' }).click();
    expect(await dialog.getByTestId('expected-balance').textContent()).toContain('11,000.00 → 8,000.00');
    await h.screenshot('05-correct-confirm');
    await dialog.getByRole('button', { name: 'Confirm correction' }).click();
    await expect.poll(() => dialog.getByTestId('after-balance').textContent(), POLL).toBe('8000');
    expect(await dialog.getByTestId('after-aboveThreshold').textContent()).toBe('false');
    await h.screenshot('06-correct-result');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The page shows the corrected wallet: balance, flag, the correction linked to what it voids.
    await expect.poll(() => balance.textContent(), POLL).toBe('8,000.00');
    await expect.poll(() => page.getByTestId('flag').textContent(), POLL).toBe('false');
    const corrected = page.locator('[data-key="0:2"]');
    await expect
      .poll(() => corrected.locator('.corrected-by').textContent(), POLL)
      .toContain('voided by 0:3');
    expect(await page.locator('[data-type="EventCorrected"] .details').textContent()).toContain(
      'void of lane 0 #2: the card payment bounced',
    );
    await expect
      .poll(() => page.getByTestId('verify').textContent(), POLL)
      .toBe('✓ Chain verified: 3 events');
    await h.screenshot('07-after-void');

    // Points from a business event: the award names its rule and the rule set version behind it.
    const liked = {
      specversion: '1.0',
      id: 'like-console-1',
      source: 'qa-app',
      type: 'answer_is_liked',
      subject: WALLET,
    };
    expect((await h.api('POST', '/events', liked)).status).toBe(202);
    await expect.poll(() => page.getByTestId('points-balance').textContent(), POLL).toBe('250');
    const award = page.locator('[data-type="PointsAwarded"]');
    await expect.poll(() => award.count(), POLL).toBe(1);
    expect(await award.locator('.amount').textContent()).toBe('+250 pts');
    expect(await award.locator('.details-text').textContent()).toMatch(
      /^rule \S+ · rule set v0 · for fact like-console-1$/,
    );
    expect(await page.locator('[data-type="FactRecorded"] .details-text').textContent()).toContain(
      'answer_is_liked from qa-app (like-console-1)',
    );
    await expect
      .poll(() => page.getByTestId('verify').textContent(), POLL)
      .toBe('✓ Chain verified: 5 events');
    await h.screenshot('09-award');

    // And the API agrees with what the page shows.
    const wallet = await h.api('GET', `/wallets/${WALLET}`);
    expect(wallet.body).toMatchObject({ balance: 8000, points: 250, aboveThreshold: false, version: 5 });
  });
});
