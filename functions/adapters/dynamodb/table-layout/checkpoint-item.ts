import * as z from 'zod/mini';
import type { CheckpointPassMark, LaneCheckpoint } from '#ports/checkpoints.ts';
import { numberAttr } from './attributes.ts';
import { safeInt } from './fast-attributes.ts';
import { walletPk } from './keys.ts';

/**
 * A lane's signed checkpoint: pk WALLET#<walletId>, sk CHECKPOINT#<lane, 2 digits>. Never starts
 * with EVENT#, so event queries and the stream filter do not see it.
 */
export const CHECKPOINT_SK_PREFIX = 'CHECKPOINT#';
export const checkpointSk = (lane: number): string =>
  `${CHECKPOINT_SK_PREFIX}${String(lane).padStart(2, '0')}`;

/** What a checkpoint item must hold (fromCheckpointItem reads the items it accepts without it). */
export const checkpointItemSchema = z.object({
  walletId: z.string(),
  lane: numberAttr,
  version: numberAttr,
  hash: z.string(),
  signature: z.string(),
});

export const toCheckpointItem = (checkpoint: LaneCheckpoint) => ({
  pk: walletPk(checkpoint.walletId),
  sk: checkpointSk(checkpoint.lane),
  kind: 'checkpoint',
  walletId: checkpoint.walletId,
  lane: checkpoint.lane,
  version: checkpoint.version,
  hash: checkpoint.hash,
  signature: checkpoint.signature,
});

const CHECKPOINT_SK = /^CHECKPOINT#(\d+)$/;

/**
 * The schema's answer for an item it accepts, read field by field (undefined: anything else, which
 * the schema then reads and refuses): every checkpoint pass parses a checkpoint per lane of every
 * wallet, and a cold one's first zod parse costs about 1.5 ms of CPU for these five fields.
 */
function fastCheckpoint(item: unknown): { success: true; data: LaneCheckpoint } | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { walletId, lane, version, hash, signature } = item as Record<string, unknown>;
  const laneNumber = safeInt(lane);
  const versionNumber = safeInt(version);
  if (
    typeof walletId !== 'string' ||
    laneNumber === undefined ||
    versionNumber === undefined ||
    typeof hash !== 'string' ||
    typeof signature !== 'string'
  )
    return undefined;
  return {
    success: true,
    data: { walletId, lane: laneNumber, version: versionNumber, hash, signature },
  };
}

/**
 * A checkpoint as its item says, of the lane its key names: a lane's item overwritten with another
 * lane's signed checkpoint (PutItem is enough) is then a checkpoint of the wrong lane, whose
 * signature fails, and the wallet is reported, where trusting the `lane` attribute took the lane's
 * own checkpoint out of play and let its walk start at version 1, over a rewrite. An item that does
 * not parse (edited, or written by something else), or under a key that is not its lane's own, is
 * a checkpoint that cannot verify, so the wallet is reported as one whose checkpoint was edited,
 * instead of every read and every sweep tick of that wallet failing (the sweep stopped at that
 * wallet's slice, tick after tick).
 */
export const fromCheckpointItem = (item: unknown): LaneCheckpoint => {
  const sk = String((item as { sk?: unknown }).sk ?? '');
  const keyed = CHECKPOINT_SK.exec(sk)?.[1];
  // Only a lane's own key holds its checkpoint (review8): `CHECKPOINT#000` also names lane 0 and
  // sorts after `CHECKPOINT#00`, so an older signed checkpoint copied there took the walk's start
  // (the last one of a lane read wins) and a rewrite after it went unseen. Such an item is one that
  // cannot verify: the wallet is reported.
  const misplaced = keyed !== undefined && sk !== checkpointSk(Number(keyed));
  const parsed = misplaced
    ? { success: false as const }
    : (fastCheckpoint(item) ?? checkpointItemSchema.safeParse(item));
  if (!parsed.success) {
    const walletId = (item as { walletId?: unknown }).walletId;
    return {
      walletId: typeof walletId === 'string' ? walletId : '',
      lane: keyed === undefined ? -1 : Number(keyed),
      version: 0,
      hash: '',
      signature: '',
    };
  }
  return keyed === undefined ? parsed.data : { ...parsed.data, lane: Number(keyed) };
};

/** Where the scheduled checkpoint pass stands (app/checkpoint-sweep.ts): one item for the table. */
export const CHECKPOINT_PASS_KEY = { pk: 'CHECKPOINTS', sk: 'PASS' } as const;

const passMarkSchema = z.object({ scan: z.nullable(z.string()), done: numberAttr });

export const toPassMarkItem = (mark: CheckpointPassMark) => ({
  ...CHECKPOINT_PASS_KEY,
  kind: 'checkpoint-pass',
  scan: mark.scan,
  done: mark.done,
});

/** The mark, or the start of a pass when there is none yet. */
export const fromPassMarkItem = (item: unknown): CheckpointPassMark =>
  item === undefined ? { scan: null, done: 0 } : passMarkSchema.parse(item);
