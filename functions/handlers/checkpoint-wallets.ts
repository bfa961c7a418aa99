import type { ScheduledEvent } from 'aws-lambda';
import {
  type CheckpointSweepDeps,
  type CheckpointSweepLimits,
  type CheckpointSweepReport,
  checkpointWallets,
} from '#app/checkpoint-sweep.ts';
import { checkpointSweepDeps } from '#composition/checkpoint-sweep.ts';
import { observed } from '#observability/middleware.ts';
import { logger } from '#observability/powertools.ts';

/** Well inside the function's timeout (lib/wiring.ts: 300 s), so a tick ends on its own. */
const CHECKPOINT_TICK_LIMITS: CheckpointSweepLimits = { walletsMax: 5_000, budgetMs: 240_000 };

/**
 * Every hour (the wiring's `schedule` trigger: an EventBridge rule in AWS, a timer locally): verify
 * the next wallets and sign their heads (app/checkpoint-sweep.ts). A wallet whose log fails
 * verification is logged as an error, with where and why, and is not signed.
 */
export const makeCheckpointWalletsHandler =
  (deps: () => Promise<CheckpointSweepDeps>, limits: CheckpointSweepLimits = CHECKPOINT_TICK_LIMITS) =>
  async (_event: ScheduledEvent): Promise<CheckpointSweepReport> => {
    const report = await checkpointWallets(await deps(), limits);
    for (const broken of report.broken) logger.error('Wallet log failed verification', { ...broken });
    logger.info('Checkpoint pass', {
      signed: report.signed,
      broken: report.broken.length,
      passEnded: report.passEnded,
    });
    return report;
  };

export const handler = observed(makeCheckpointWalletsHandler(checkpointSweepDeps));
