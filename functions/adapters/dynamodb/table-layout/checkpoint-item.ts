import * as z from 'zod';
import type { LaneCheckpoint } from '#ports/checkpoints.ts';
import { numberAttr } from './attributes.ts';
import { walletPk } from './keys.ts';

/**
 * A lane's signed checkpoint: pk WALLET#<walletId>, sk CHECKPOINT#<lane, 2 digits>. Never starts
 * with EVENT#, so event queries and the stream filter do not see it.
 */
export const CHECKPOINT_SK_PREFIX = 'CHECKPOINT#';
export const checkpointSk = (lane: number): string =>
  `${CHECKPOINT_SK_PREFIX}${String(lane).padStart(2, '0')}`;

const checkpointItemSchema = z.object({
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

export const fromCheckpointItem = (item: unknown): LaneCheckpoint => checkpointItemSchema.parse(item);
