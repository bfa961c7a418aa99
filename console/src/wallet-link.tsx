import type { ComponentChildren } from 'preact';
import { Link } from 'wouter-preact';

/** A link to a wallet's page in the console, its id as the text unless children are given. */
export function WalletLink({ walletId, children }: { walletId: string; children?: ComponentChildren }) {
  return <Link href={`/wallets/${encodeURIComponent(walletId)}`}>{children ?? walletId}</Link>;
}
