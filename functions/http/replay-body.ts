import * as z from 'zod';
import type { WalletReach } from './principal.ts';

/** `POST /replay`'s body: one wallet (optionally from a version), or none for a job over every wallet. */
export const replayBody = z.strictObject({
  walletId: z.string().optional(),
  fromVersion: z.number().int().min(1).optional(),
  dryRun: z.boolean().optional(),
});

/** The wallets a replay touches: the one it names, or every wallet. */
export function replayReach(body: unknown): WalletReach {
  const walletId =
    typeof body === 'object' && body !== null ? (body as { walletId?: unknown }).walletId : undefined;
  return typeof walletId === 'string' ? [walletId] : 'every';
}
