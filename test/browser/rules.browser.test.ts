import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, startConsole } from '../support/browser.ts';

/**
 * The Rules and Jobs pages in Chromium against `tally dev`: an editor error shown inline, a sample
 * fact tried, a rule published through the confirmation, a backtest with its per-wallet
 * differences, a backtest job and a replay job followed to their reports.
 */
const POLL = { timeout: 20_000, interval: 200 };
// Built-in trade-volume rule: 5 points per unit for trades of at least 10 units.
const TRADES = [
  { wallet: 'btWallet1', qty: 12 }, // 60 now
  { wallet: 'btWallet2', qty: 20 }, // 100 now
  { wallet: 'btWallet3', qty: 5 }, // 0 now
];
const CANDIDATE = 'event_type == "trade" && has(data.qty), data.qty * 10\n';
// The same rule (as a YAML item) and a bonus of 7 for trades of 20 units or more.
const CANDIDATE_2 = `rules:\n  - ${CANDIDATE.trim()}\n  - id: big-trade\n    when: event_type == "trade" && data.qty >= 20\n    points: 7\n`;

let h: ConsoleHarness;
beforeAll(async () => {
  h = await startConsole();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('the Rules and Jobs pages', () => {
  it('checks, tries, publishes and backtests a rule set, and follows a backtest and a replay job', async () => {
    const page = h.page;
    const events = TRADES.map(({ wallet, qty }, index) => ({
      specversion: '1.0',
      id: `trade-${index}`,
      source: 'shop',
      type: 'trade',
      subject: wallet,
      time: new Date(Date.now() - 60_000).toISOString(),
      data: { qty },
    }));
    expect((await h.api('POST', '/events', events)).status).toBe(202);
    await expect.poll(() => h.points('btWallet2'), POLL).toBe(100);
    await expect.poll(() => h.points('btWallet3'), POLL).toBe(0);

    await page.goto(h.consoleUrl('/rules'));
    await expect.poll(() => page.locator('.active-rules').getAttribute('data-version'), POLL).toBe('0');
    const editor = page.getByLabel('Rule file (one-liner or YAML form)');
    expect(await editor.inputValue()).toContain('trade-volume');

    // A syntax error: shown under the editor with its line and column, the editor marked invalid.
    await editor.fill(`${CANDIDATE}event_type == , 3\n`);
    const errors = page.getByRole('list', { name: 'Errors in the rule file' });
    await expect.poll(() => errors.textContent(), POLL).toMatch(/Line 2, column \d+/);
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Publish…' }).isDisabled()).toBe(true);
    await h.screenshot('rules-01-error-inline');

    // Fixed: it compiles; the sample fact (a trade of 12) earns 120 points under it.
    await editor.fill(CANDIDATE);
    await expect.poll(() => page.locator('#rules-check').textContent(), POLL).toBe('Compiles: 1 rule.');
    await page.getByRole('button', { name: 'Try' }).click();
    await expect.poll(() => page.locator('.sample-result').textContent(), POLL).toContain('Earns 120 points');

    // Publish through the confirmation, which shows the diff against the active text.
    await page.getByRole('button', { name: 'Publish…' }).click();
    const dialog = page.getByRole('dialog');
    // count() does not wait: let the dialog draw its diff first (a loaded CI run counted 0).
    await dialog.locator('tr.added').first().waitFor({ timeout: POLL.timeout });
    expect(await dialog.locator('tr.added').count()).toBe(1);
    expect(await dialog.locator('tr.added').textContent()).toContain('data.qty * 10');
    expect(await dialog.locator('tr.removed').count()).toBeGreaterThan(0);
    await h.screenshot('rules-02-publish-confirm');
    await dialog.getByRole('button', { name: 'Publish version 1' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent(), POLL)
      .toBe('Published version 1.');
    await expect.poll(() => page.locator('.active-rules').getAttribute('data-version'), POLL).toBe('1');
    const active = (await h.api('GET', '/rules')).body as { version: number; text: string };
    expect(active).toMatchObject({ version: 1, text: CANDIDATE });
    await expect.poll(() => page.locator('table.versions tbody tr').count(), POLL).toBe(1);

    // Backtest version 1 over the three wallets: the per-wallet differences.
    await page.getByLabel('The active version (1)').check();
    await page.getByLabel(/^Wallets/).fill(TRADES.map((trade) => trade.wallet).join(' '));
    await page.getByRole('button', { name: 'Run backtest' }).click();
    const row = (wallet: string) =>
      page.locator(`table.diff-table tr[data-wallet="${wallet}"] td`).allTextContents();
    await expect.poll(() => row('btWallet1'), POLL).toEqual(['btWallet1', '1', '60', '120', '+60', '0']);
    expect(await row('btWallet2')).toEqual(['btWallet2', '1', '100', '200', '+100', '0']);
    expect(await row('btWallet3')).toEqual(['btWallet3', '1', '0', '50', '+50', '0']);
    expect(await page.locator('#backtest-title + form + div').textContent()).toContain(
      'Total difference 210 points',
    );
    await h.screenshot('rules-03-backtest');

    // A second version: the history compares it with the first, line by line.
    await editor.fill(CANDIDATE_2);
    await expect.poll(() => page.locator('#rules-check').textContent(), POLL).toBe('Compiles: 2 rules.');
    await page.getByRole('button', { name: 'Publish…' }).click();
    await dialog.getByRole('button', { name: 'Publish version 2' }).click();
    await expect.poll(() => page.locator('.active-rules').getAttribute('data-version'), POLL).toBe('2');
    await expect.poll(() => page.locator('table.versions tbody tr').count(), POLL).toBe(2);
    await page.getByLabel('From version').selectOption('1');
    await page.getByLabel('to version').selectOption('2');
    await page.getByRole('button', { name: 'Compare' }).click();
    const history = page.getByRole('table', { name: 'Version 1 → version 2' });
    await expect.poll(() => history.locator('tr.added').count(), POLL).toBe(5);
    const added = (await history.locator('tr.added').allTextContents()).join('\n');
    expect(added).toContain('id: big-trade');
    expect(added).toContain('points: 7');
    expect(await history.locator('tr.removed').allTextContents()).toEqual([
      expect.stringContaining('data.qty * 10'),
    ]);

    // Apply version 2 to one wallet, after the confirmation: the difference is appended as points.
    await page.getByLabel(/^Wallets/).fill('btWallet2');
    page.once('dialog', (confirm) => void confirm.accept());
    await page.getByRole('button', { name: 'Apply version 2…' }).click();
    await expect.poll(() => row('btWallet2'), POLL).toEqual(['btWallet2', '1', '100', '207', '+107', '0']);
    expect(await page.locator('#backtest-title + form + div').textContent()).toContain('Applied');
    await expect.poll(() => h.points('btWallet2'), POLL).toBe(207);

    // Every wallet: a job, followed on this page to its report.
    await page.getByLabel(/^Wallets/).fill('');
    await page.getByRole('button', { name: 'Run backtest' }).click();
    const backtestJob = page.locator('article.job').first();
    await expect.poll(() => backtestJob.getAttribute('data-status'), POLL).toBe('done');
    // Version 2 over every wallet: btWallet2 already holds its 207 (applied), the others differ.
    expect(await backtestJob.locator('table.totals').textContent()).toContain(
      'Candidate points377Difference110',
    );
    const backtestJobId = await backtestJob.getAttribute('data-job-id');

    // The Jobs page lists it, and follows a dry-run replay of every wallet to its totals.
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.waitForURL('**/console/jobs');
    await expect
      .poll(() => page.locator(`article.job[data-job-id="${backtestJobId}"]`).count(), POLL)
      .toBe(1);
    await page.getByRole('button', { name: 'Start replay' }).click();
    await expect.poll(() => page.locator('article.job').count(), POLL).toBe(2);
    const replay = page.locator('article.job').first();
    expect(await replay.locator('h3').textContent()).toContain('Replay');
    await expect.poll(() => replay.getAttribute('data-status'), POLL).toBe('done');
    const progress = replay.locator('progress');
    expect(await progress.getAttribute('value')).toBe(await progress.getAttribute('max'));
    expect(await replay.locator('table.totals').textContent()).toMatch(/Wallets[3-9]/);
    await h.screenshot('jobs-01-replay-done');
  });
});
