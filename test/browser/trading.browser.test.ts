import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleHarness, startConsole } from '../support/browser.ts';

/**
 * The Trading and Cards pages in Chromium against `tally dev`: an offer in the book and the
 * seller's hold among its movements; an account's authorizations with their decisions and reasons,
 * and a decision arriving in the live feed while the page is open.
 */
const POLL = { timeout: 20_000, interval: 200 };
const SELLER = 'sellerWallet1';
const ACCOUNT = 'cardAccount1';

let h: ConsoleHarness;
beforeAll(async () => {
  h = await startConsole();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const key = (name: string) => ({ 'idempotency-key': `${name}-${Date.now()}` });

describe('the Trading and Cards pages', () => {
  it("shows an offer in the book, the seller's hold among its movements, and its order's payment state", async () => {
    const page = h.page;
    // 100 units traded: 500 points by the built-in trade-volume rule, to offer 200 of.
    const trade = {
      specversion: '1.0',
      id: 'seller-trade',
      source: 'shop',
      type: 'trade',
      subject: SELLER,
      data: { qty: 100 },
    };
    expect((await h.api('POST', '/events', [trade])).status).toBe(202);
    await expect
      .poll(async () => ((await h.api('GET', `/wallets/${SELLER}`)).body as { points?: number }).points, POLL)
      .toBe(500);
    const offer = await h.api(
      'POST',
      '/offers',
      {
        seller: SELLER,
        asset: 'points',
        amount: 200,
        price: { asset: 'money', amount: 5 },
        expiresInSeconds: 3600,
      },
      key('offer'),
    );
    expect(offer.status).toBe(201);
    const offerId = (offer.body as { offerId: string }).offerId;

    await page.goto(h.consoleUrl('/trading'));
    const row = page.locator(`table.offers tr[data-offer="${offerId}"] td`);
    await expect.poll(() => row.count(), POLL).toBe(7);
    const cells = await row.allTextContents();
    expect(cells.slice(1, 6)).toEqual([SELLER, '200 points', '5.00', '0.0250', 'open']);

    // The seller's link opens its trading movements: the hold the offer placed on 200 points.
    await page.getByRole('link', { name: SELLER }).click();
    await page.waitForURL(`**/console/trading/${SELLER}`);
    const hold = page.locator('.movements-row[data-kind="hold"]');
    await expect.poll(() => hold.count(), POLL).toBe(1);
    expect(await hold.textContent()).toContain('200 points');
    expect(await page.locator('.virtual-list .movements-row').count()).toBe(1);

    // An order paid partly with 100 of the seller's points: its payment state, from the wallet's orders listing.
    const order = await h.api(
      'POST',
      '/orders',
      { wallet: SELLER, merchant: 'm1', amount: '12.00', points: 100 },
      key('order'),
    );
    expect(order.status).toBe(201);
    const orderId = (order.body as { orderId: string }).orderId;
    await page.getByRole('button', { name: 'Find payments and orders' }).click();
    const payment = page.locator(`table.payments tr[data-payment="${orderId}"] td`);
    await expect.poll(() => payment.count(), POLL).toBe(7);
    expect((await payment.allTextContents()).slice(1)).toEqual([
      'order',
      expect.stringMatching(/UTC$/),
      '100',
      '11.00',
      'pending',
      'pending',
    ]);
    await h.screenshot('trading-01-offer-book');
  });

  it("shows an account's authorizations with decisions and reasons, and the live feed of decisions", async () => {
    const page = h.page;
    const opened = await h.api(
      'POST',
      '/accounts',
      { accountId: ACCOUNT, creditLimit: 1000, currency: 'EUR' },
      key('open'),
    );
    expect(opened.status).toBe(201);
    const authorize = (amount: number, merchant: Record<string, string>) =>
      h.api('POST', `/accounts/${ACCOUNT}/authorizations`, { amount, merchant }, key(`auth-${amount}`));
    expect((await authorize(120.5, { id: 'm-42', name: 'Book Shop', mcc: '5942' })).body).toMatchObject({
      decision: 'approved',
    });
    expect((await authorize(10, { id: 'casino', mcc: '7995' })).body).toMatchObject({ decision: 'declined' });

    await page.goto(h.consoleUrl('/cards'));
    await page.getByLabel('Account id').fill(ACCOUNT);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(`**/console/cards/${ACCOUNT}`);
    const rows = page.locator('.authorizations-row[data-kind="authorization"]');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    const declined = page.locator('.authorizations-row[data-decision="declined"]');
    expect(await declined.textContent()).toContain('blocked-mcc');
    expect(await declined.textContent()).toContain('10.00');
    const approved = page.locator('.authorizations-row[data-decision="approved"]');
    expect(await approved.textContent()).toContain('Book Shop (MCC 5942)');
    expect(await approved.textContent()).toContain('pending');
    expect(await page.locator('dl.account-figures').textContent()).toContain('Available879.50');

    // A decision made while the page is open arrives in the live feed.
    await expect.poll(() => page.locator('#feed-title .badge').textContent(), POLL).toBe('live');
    expect((await authorize(6000, { id: 'm-7', name: 'Car Dealer', mcc: '5511' })).body).toMatchObject({
      decision: 'declined',
    });
    const feed = page.getByRole('list', { name: 'Published decisions, newest first' });
    await expect.poll(() => feed.locator('li').count(), POLL).toBe(1);
    const item = await feed.locator('li').textContent();
    expect(item).toContain('declined');
    expect(item).toContain('6,000.00 EUR at Car Dealer');
    expect(item).toContain('single-purchase-max');
    await h.screenshot('cards-01-authorizations');
  });
});
