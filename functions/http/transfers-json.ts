import * as z from 'zod/mini';
import type { Asset } from '#domain/wallet.ts';
import type { StoredResponse } from '#ports/event-store.ts';
import { amountField, amountJson, assetField } from './trading-json.ts';

/** `POST /transfers`'s body. */
export const transferBody = z.strictObject({
  from: z.string(),
  to: z.string(),
  asset: assetField,
  amount: amountField,
  memo: z.optional(z.string().check(z.maxLength(500))),
});

/** The 201 body, stored with the key so a replay answers the same bytes. */
export const transferResponse =
  (from: string, to: string, asset: Asset, amount: bigint) =>
  (transferId: string): StoredResponse => ({
    statusCode: 201,
    body:
      `{"transferId":${JSON.stringify(transferId)},"from":${JSON.stringify(from)},"to":${JSON.stringify(to)},` +
      `"asset":"${asset}","amount":${amountJson(asset, amount)},"status":"completed"}`,
  });
