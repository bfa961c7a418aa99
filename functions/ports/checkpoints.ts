import type { WalletView } from '#domain/wallet-view.ts';
import type { ChainWalk, StreamHead, WalletPageRequest } from './event-store.ts';

/**
 * Signed checkpoints: "lane L of wallet W was verified up to version V, whose hash was H", signed
 * with a key the table does not hold. Whoever can write the table can recompute every hash of a
 * chain, but cannot sign a checkpoint, so a checkpoint anchors a lane's head outside the chain it
 * proves.
 */
export interface LaneCheckpoint {
  walletId: string;
  lane: number;
  version: number;
  hash: string;
  /** The signer's signature over checkpointText(walletId, lane, version, hash). */
  signature: string;
}

/** Signs and checks checkpoint texts (HMAC-SHA256 with a secret key, or a KMS key: the adapter's choice). */
export interface CheckpointSigner {
  sign(text: string): Promise<string>;
  /** True when `signature` is this key's signature of `text` (compared in constant time). */
  verify(text: string, signature: string): Promise<boolean>;
}

/** Where checkpoints are kept: one per lane of a wallet, the newest replacing the one before. */
export interface CheckpointStore {
  /** The wallet's checkpoints, one per lane that has one (strongly consistent). */
  checkpoints(walletId: string): Promise<LaneCheckpoint[]>;
  save(checkpoint: LaneCheckpoint): Promise<void>;
}

/** The exact text a checkpoint's signature covers: fields separated by newlines, none may hold one. */
export const checkpointText = (walletId: string, lane: number, version: number, hash: string): string =>
  ['tally-checkpoint-v1', walletId, String(lane), String(version), hash].join('\n');

/**
 * Where the scheduled checkpoint pass stands (app/checkpoint-sweep.ts): the page of the store's
 * wallets it is in (`scan`, null for the first) and how many wallets of that page it has done.
 */
export interface CheckpointPassMark {
  scan: string | null;
  done: number;
}

/** The pass's mark, kept in the store so that each tick goes on where the last one stopped. */
export interface CheckpointPassMarks {
  mark(): Promise<CheckpointPassMark>;
  saveMark(mark: CheckpointPassMark): Promise<void>;
  /**
   * `EventStore.walletIds`' page, with the checkpoints of its wallets read by the same request
   * where the store can. Optional: without it the pass lists wallets with `EventStore.walletIds`
   * and reads each wallet's checkpoints apart (CheckpointStore.checkpoints).
   */
  walletPage?(request: WalletPageRequest): Promise<CheckpointedWalletPage>;
  /**
   * A slice of wallets' views (ReadModelStore.getViews) and lane registries (EventStore.lanesOf),
   * every wallet asked in both maps, in one request where the store can. Optional: without it the
   * pass asks the two stores at once.
   */
  viewsAndLanes?(walletIds: readonly string[]): Promise<ViewsAndLanes>;
}

/**
 * A slice's views (a wallet without one: undefined or absent), of each only the versions it
 * applied (`WalletView.lanes`: what a verify holds the log against), and lane registries (each asked).
 */
export interface ViewsAndLanes {
  views: ReadonlyMap<string, Pick<WalletView, 'lanes'> | undefined>;
  lanes: ReadonlyMap<string, number[]>;
}

/** A page of the store's wallets (EventStore.walletIds) and the checkpoints the same read found. */
export interface CheckpointedWalletPage {
  walletIds: string[];
  nextCursor: string | null;
  /**
   * Wallet → its checkpoints (one per lane that has one, none for `[]`), for each wallet of the page
   * whose checkpoints were all within the read; a wallet left out has them read apart. A store may
   * read them less consistently than CheckpointStore.checkpoints (without `inHand`): one saved just
   * before the read may then be missing, or an older one of its lane be there instead. Either is a
   * checkpoint that was signed; a verify from it walks from further back (and checks more links),
   * and one missing is what a deleted one is, which a writer of the table can do anyway
   * (docs/api.md, "GET /wallets/{wallet_id}/verify").
   */
  checkpoints: ReadonlyMap<string, LaneCheckpoint[]>;
  /**
   * What the same read holds of a wallet of the page for its verify, where it holds all of it: the
   * wallet's view (its applied versions), its lane registry and lane 0's walk from `laneZeroFrom`
   * (the head its lane-0 checkpoint in `checkpoints` names; undefined: from version 1), as
   * ViewsAndLanes and EventStore.verify answer them. Undefined for a wallet the read did not cover
   * whole (its partition cut by the page, other lanes listed, events before `laneZeroFrom` not
   * kept): that wallet is read apart. Optional, as is what it answers.
   *
   * The read has no order between the checkpoints, the walk, the registry and the view, as
   * ViewsAndLanes has none beside the walks (queries/verify.ts verifyWallets), and may be
   * eventually consistent: every item it holds is a value the item held within about a second, so
   * a walk it passes is of a chain that existed, and a stale view, registry or checkpoint is one
   * read earlier or one deleted (DynamoCheckpointSweepStore says why that signs nothing untrue). A
   * wallet found broken from it is verified again with its reads in order, and only that counts.
   */
  inHand?(walletId: string, laneZeroFrom: StreamHead | undefined): WalletInHand | undefined;
}

/** A wallet as a read of all its items found it: what a verify holds its checkpoints against. */
export interface WalletInHand {
  view: Pick<WalletView, 'lanes'> | undefined;
  lanes: number[];
  /** Walked when asked (the hashes are computed then): awaited with the requests of the wallets read apart. */
  laneZero: Promise<ChainWalk>;
}
