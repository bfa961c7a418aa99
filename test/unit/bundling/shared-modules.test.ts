/**
 * esbuild places code in chunks module by module: a module that a function's cold start and one of
 * its lazy chunks both reach is loaded at the cold start whole, with the parts only the lazy chunk
 * uses; and a module-level zod schema built with `.check()` is kept wherever its module is imported.
 * So a few modules are split where a cold start needs one half (docs/benchmarks.md, "Bundling"):
 * - the built-in rule set's stored form (app/default-rules-form.ts) apart from its text: functions
 *   that fold views read the flag from the form; the text is read only where rules compile;
 * - the stored form's writer (rules/stored-form-writer.ts) apart from its reader;
 * - the RFC 3339 time schema (app/rfc3339-time.ts) apart from the CloudEvent schema;
 * - the offer book (DynamoOfferBook, which the offers function lists) apart from the expiry index's
 *   sweep reads (DynamoTradingIndex, adapters/dynamodb/trading-index.ts);
 * and every append kind builds its create-only puts with one helper (adapters/dynamodb/transact-puts.ts).
 * These read the code a cold start loads: `index.mjs` and the chunks it imports statically.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionBundle } from '../../support/function-bundles.ts';

/** The text of what the function's cold start loads: index.mjs and its static chunk imports. */
async function coldStartCode(name: string): Promise<string> {
  const { file } = await functionBundle(name);
  const seen = new Set<string>();
  const texts: string[] = [];
  const visit = (at: string) => {
    if (seen.has(at)) return;
    seen.add(at);
    const text = readFileSync(at, 'utf8');
    texts.push(text);
    // Static imports only: `import("./chunk-….mjs")` (a lazy chunk) has a parenthesis before the quote.
    for (const match of text.matchAll(/(?:from|import)\s*"\.\/(chunk-[^"]+\.mjs)"/g)) {
      visit(path.join(path.dirname(file), match[1] as string));
    }
  };
  visit(file);
  return texts.join('\n');
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('what a cold start loads of modules split for it', () => {
  it.each(['corrections', 'run-jobs', 'wallets', 'details'])(
    '%s reads the threshold from the built-in form without carrying the built-in text or the form writer',
    async (name) => {
      const code = await coldStartCode(name);
      expect(code).toContain('above_threshold'); // the built-in form, read for the flag
      expect(code).not.toContain("Tally's shipped rule set"); // DEFAULT_RULES_TEXT
      expect(code).not.toContain('formToJson: the rule set has errors'); // the stored form's writer
    },
    120_000,
  );

  it.each(['corrections', 'backtest', 'rules'])(
    '%s takes RFC 3339 times without the CloudEvent schema',
    async (name) => {
      const code = await coldStartCode(name);
      expect(code).toContain('must be an RFC 3339 timestamp');
      expect(code).not.toContain('is required (it is the idempotency key)');
    },
    120_000,
  );

  it('offers lists the book without carrying the expiry index the sweep reads', async () => {
    const code = await coldStartCode('offers');
    expect(code).toContain('expiresAtMs > :now'); // the book's listing
    expect(code).not.toContain('pk = :pk AND sk < :upTo'); // a due bucket's read
    expect(code).not.toContain('attribute_not_exists(#bucket) OR #bucket < :bucket'); // the sweep's mark
    const sweep = await coldStartCode('sweep-expiries');
    expect(sweep).toContain('pk = :pk AND sk < :upTo');
  }, 120_000);

  it.each(['deposit', 'holds', 'offers', 'payment-webhook'])(
    '%s builds every create-only put with the one helper, whichever append kinds it carries',
    async (name) => {
      const code = await coldStartCode(name);
      expect(count(code, 'attribute_not_exists(pk)'), 'copies of the create-only condition').toBe(1);
    },
    120_000,
  );

  it.each(['payments', 'orders'])(
    '%s decides its own payment commands without the webhook’s settlement or the other trading decisions',
    async (name) => {
      const code = await coldStartCode(name);
      expect(code).toContain('exists with other terms'); // decidePaymentRequest
      expect(code).not.toContain('the provider reported'); // decideSettlement's mismatch
      expect(code).not.toContain('an expired hold cannot be captured'); // decideTrading's capture
      expect(code.includes('nothing can be refunded'), 'decideRefund').toBe(name === 'payments');
    },
    120_000,
  );

  it.each(['payments', 'orders', 'payment-webhook'])(
    '%s reads its payment settings without the Stripe secret’s parse (loaded with the Stripe adapter)',
    async (name) => {
      const code = await coldStartCode(name);
      expect(code).toContain('webhook tolerance'); // describePaymentSettings
      expect(code).not.toContain('a webhook signing secret (whsec_'); // stripe-secret.ts
    },
    120_000,
  );

  it('payments parses its bodies without the order body’s schema (http/order-body.ts)', async () => {
    expect(await coldStartCode('payments')).not.toContain('expiresInSeconds');
    expect(await coldStartCode('orders')).toContain('expiresInSeconds');
  }, 120_000);

  it('writers put offer, expiry and payment items without carrying those items’ read schemas', async () => {
    // The schemas are built on the first read (table-layout/*-item.ts): kept only where read.
    const offerSchema = /seller:[\w$]+\(\)/; // z.object({ …, seller: z.string(), … })
    const paymentSchema = /refundedPoints:[\w$]+\(/; // z.optional(bigintAttr)
    for (const writer of ['deposit', 'corrections', 'payment-webhook']) {
      const code = await coldStartCode(writer);
      expect(offerSchema.test(code), `${writer}: offer item schema`).toBe(false);
      expect(paymentSchema.test(code), `${writer}: payment item schema`).toBe(false);
    }
    expect(offerSchema.test(await coldStartCode('offers')), 'offers reads the book').toBe(true);
    expect(paymentSchema.test(await coldStartCode('payments')), 'payments reads its listing').toBe(true);
  }, 240_000);

  it('payment-webhook settles with the capture and release it needs, not every trading decision', async () => {
    const code = await coldStartCode('payment-webhook');
    expect(code).toContain('an expired hold cannot be captured'); // captureHold
    expect(code).not.toContain('exists with another asset or amount'); // placeHold
    expect(code).not.toContain('ms since the epoch'); // ExpireHold
  }, 120_000);
});
