/**
 * The offer id names the seller's wallet (so an accept finds the seller without an index):
 * base64url(seller) "." random id. A module of its own: the payment functions name offers by id
 * (app/payments.ts) without the offer book's commands, and so without two-wallet commands.
 */
import { parseWalletId } from '#domain/wallet-id.ts';

export const offerIdFor = (seller: string, id: string) =>
  `${Buffer.from(seller).toString('base64url')}.${id}`;

/** The seller an offer id names, or undefined for an id this API did not give out. */
export function sellerOf(offerId: string): string | undefined {
  const [encoded, id] = offerId.split('.');
  if (!encoded || !id) return undefined;
  try {
    return parseWalletId(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
