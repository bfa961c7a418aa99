/**
 * The credits this process wrote, per wallet (group-commit-carry.ts): a lane-0 state read before a
 * credit to its wallet is no longer carried. In a module of its own because every credit through
 * group commit marks its wallet (group-commit.ts commitInGroup), while the carry itself is the
 * batch path's (group-commit-batch.ts), which a credit-only function loads only when it batches.
 */

/** Credits remembered per wallet; the oldest go first, and what they knew stays in `taintFloor`. */
const TAINTS_MAX = 10_000;

/**
 * Taken just before a read of the wallet: what that read can be trusted to include. Shared by the
 * carries that follow from one read, and moved on by each check of the lane registry.
 */
export interface Token {
  seq: number;
  atMs: number;
  checking?: boolean;
}

/** Per wallet, the sequence number of the last credit written to it by this process. */
const taints = new Map<string, number>();
let taintFloor = 0;
let seq = 0;

/** Before a read of a wallet's state: a later credit to the wallet makes what it folds stale. */
export const tokenNow = (): Token => ({ seq, atMs: performance.now() });

/** The sequence number of the last credit to `walletId` this process remembers. */
export const lastTaint = (walletId: string): number => taints.get(walletId) ?? taintFloor;

/** A credit reached `walletId` (another lane): any state read before it is no longer carried. */
export function taint(walletId: string): void {
  seq++;
  taints.delete(walletId);
  taints.set(walletId, seq);
  if (taints.size > TAINTS_MAX) {
    const [oldest, at] = taints.entries().next().value as [string, number];
    taints.delete(oldest);
    taintFloor = Math.max(taintFloor, at);
  }
  // Carried states read before it are no longer taken (carriedPosition compares sequence numbers).
}
