import * as z from 'zod/mini';
import type { WalletReach } from './principal.ts';

/** `POST /replay`'s body: one wallet (optionally from a version), or none for a job over every wallet. */
export const replayBody = z.strictObject({
  walletId: z.optional(z.string()),
  fromVersion: z.optional(z.int().check(z.gte(1))),
  dryRun: z.optional(z.boolean()),
});

/** The wallets a replay touches: the one it names, or every wallet. */
export function replayReach(body: unknown): WalletReach {
  const walletId =
    typeof body === 'object' && body !== null ? (body as { walletId?: unknown }).walletId : undefined;
  return typeof walletId === 'string' ? [walletId] : 'every';
}
