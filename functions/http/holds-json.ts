import * as z from 'zod/mini';
import type { RecordedEvent } from '#domain/wallet.ts';
import { amountField, amountJson, assetField, expiresInSecondsField } from './trading-json.ts';

/** `POST /wallets/{wallet_id}/holds`'s body. */
export const placeBody = z.strictObject({
  asset: assetField,
  amount: amountField,
  expiresInSeconds: expiresInSecondsField,
  memo: z.optional(z.string().check(z.maxLength(500))),
});

/** `…/holds/{hold_id}/capture`'s optional body: part of the hold, and to whom. */
export const captureBody = z.strictObject({
  amount: z.optional(amountField),
  to: z.optional(z.string()),
});

/** The answer: what the hold's event says happened. */
export function holdJson(walletId: string, event: RecordedEvent | undefined): string {
  const common = `"walletId":${JSON.stringify(walletId)}`;
  switch (event?.type) {
    case 'HoldPlaced': {
      const { holdId, asset, amount, expiresAtMs } = event.data;
      return `{"holdId":${JSON.stringify(holdId)},${common},"asset":"${asset}","amount":${amountJson(asset, amount)},"status":"active","expiresAt":"${new Date(expiresAtMs).toISOString()}"}`;
    }
    case 'HoldCaptured': {
      const { holdId, asset, amount, released, counterparty } = event.data;
      return `{"holdId":${JSON.stringify(holdId)},${common},"asset":"${asset}","amount":${amountJson(asset, amount)},"released":${amountJson(asset, released)},"status":"captured"${counterparty === undefined ? '' : `,"to":${JSON.stringify(counterparty)}`}}`;
    }
    case 'HoldReleased': {
      const { holdId, asset, amount } = event.data;
      return `{"holdId":${JSON.stringify(holdId)},${common},"asset":"${asset}","amount":${amountJson(asset, amount)},"status":"released"}`;
    }
    default:
      throw new Error('a hold command decides one hold event');
  }
}
