import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, startConsole } from '../support/browser.ts';

/**
 * The Jobs page's re-publish form in Chromium against `tally dev`: the API's refusals (a reversed
 * window, a window not over) shown as the page's error, then a job over the window the test's
 * events were recorded in, followed to its totals (scanned, events, published, rejected).
 */
const POLL = { timeout: 20_000, interval: 200 };
const WALLETS = ['rpWallet1', 'rpWallet2', 'rpWallet3'];

let h: ConsoleHarness;
beforeAll(async () => {
  h = await startConsole();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** A datetime-local input's value (UTC, to the second). */
const inputValue = (ms: number) => new Date(ms).toISOString().slice(0, 19);

describe('the Jobs page', () => {
  it('starts a re-publish job of a window and follows it to its counts', async () => {
    const page = h.page;
    const from = Math.floor(Date.now() / 1000) * 1000;
    const events = WALLETS.map((wallet, index) => ({
      specversion: '1.0',
      id: `rp-trade-${index}`,
      source: 'shop',
      type: 'trade',
      subject: wallet,
      time: new Date(Date.now() - 60_000).toISOString(),
      data: { qty: 12 },
    }));
    expect((await h.api('POST', '/events', events)).status).toBe(202);
    for (const wallet of WALLETS) await expect.poll(() => h.points(wallet), POLL).toBe(60);
    // Every event is recorded by now; `to` (to the second, excluded) past them and already over.
    const recorded = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const to = Math.floor(Date.now() / 1000) * 1000;
    expect(to).toBeGreaterThan(recorded);

    await page.goto(h.consoleUrl('/jobs'));
    const form = page.getByRole('form', { name: 'Re-publish a window' });
    const fromInput = form.getByLabel('From (UTC, included)');
    const toInput = form.getByLabel('To (UTC, excluded)');
    const start = form.getByRole('button', { name: 'Start re-publish' });
    const alert = page.locator('p.error[role="alert"]');

    // A missing time is told at once; the API's refusals, nothing started: a reversed window (400),
    // a window not over (422).
    await start.click();
    await expect
      .poll(() => alert.textContent(), POLL)
      .toBe('A re-publish needs both times of its window: from and to (UTC).');
    await fromInput.fill(inputValue(to));
    await toInput.fill(inputValue(from));
    await start.click();
    await expect.poll(() => alert.textContent(), POLL).toMatch(/to: must be after from/);
    await fromInput.fill(inputValue(from));
    await toInput.fill(inputValue(Date.now() + 3_600_000));
    await start.click();
    await expect
      .poll(() => alert.textContent(), POLL)
      .toMatch(/is in the future: re-publish a window that is over/);
    expect(await page.locator('article.job').count()).toBe(0);
    await h.screenshot('jobs-02-republish-refused');

    // The window of the three trades: every event recorded in it published again, none rejected.
    await toInput.fill(inputValue(to));
    await start.click();
    const job = page.locator('article.job').first();
    await expect.poll(() => job.getAttribute('data-status'), POLL).toBe('done');
    expect(await alert.count()).toBe(0);
    expect(await job.locator('h3').textContent()).toContain('Re-publish');
    const progress = job.locator('progress');
    expect(await progress.getAttribute('value')).toBe(await progress.getAttribute('max'));
    const totals = Object.fromEntries(
      (await job.locator('table.totals tr').allTextContents()).map((row) => {
        const [, name = '', value = ''] = /^(.*?)([\d,]+)$/.exec(row) ?? [];
        return [name, Number(value.replace(/,/g, ''))];
      }),
    );
    // Each trade was recorded as two events, one of a type the relay publishes (as it did: one
    // CloudEvent a trade); the walk read more items than the window's events.
    const { 'Items scanned': scanned, ...counts } = totals;
    expect(counts).toEqual({ Events: 6, Published: 3, Rejected: 0 });
    expect(scanned).toBeGreaterThan(6);
    const report = (await h.api('GET', `/republish/${await job.getAttribute('data-job-id')}`)).body as {
      totals: Record<string, number>;
    };
    expect(report.totals).toEqual({ scanned, events: 6, published: 3, rejected: 0 });
    expect(await job.textContent()).toContain('No event rejected.');
    await h.screenshot('jobs-03-republish-done');
  });
});
