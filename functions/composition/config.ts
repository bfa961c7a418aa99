import { parseSnapshotEvery } from '#app/snapshots.ts';
import { ENV } from '#lib/wiring.ts';

/**
 * What a function instance is configured with, read from the environment names the wiring table
 * declares (lib/wiring.ts). The composition root is the only runtime code that reads them; the
 * adapters' own `*FromEnv` builders are called from here too.
 */
export interface LambdaConfig {
  /**
   * The bearer token admin routes need when set (a local shortcut, `TALLY_ADMIN_TOKEN`); in AWS
   * the route's authorizer (the `admin` scope, or IAM) is the one mechanism.
   */
  adminToken: string | undefined;
  /** Snapshot a view every this many events (0: never). */
  snapshotEvery: number;
}

/** TALLY_SNAPSHOT_EVERY: a whole number of events; 0 disables snapshots; unset or empty: 1,000. */
export const snapshotEveryFromEnv = (env: NodeJS.ProcessEnv = process.env): number =>
  parseSnapshotEvery(env[ENV.snapshotEvery], ENV.snapshotEvery);

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LambdaConfig {
  return {
    adminToken: env[ENV.adminToken],
    snapshotEvery: snapshotEveryFromEnv(env),
  };
}
