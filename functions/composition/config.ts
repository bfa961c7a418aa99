import { type PaymentSettings, paymentSettingsFromEnv } from '#adapters/payments/config.ts';
import { parseSnapshotEvery } from '#app/snapshots.ts';
import { ENV } from '#lib/wiring.ts';

/**
 * What a function instance is configured with, read from the environment names the wiring table
 * declares (lib/wiring.ts). The composition root is the only runtime code that reads them: the
 * adapters take plain values (a table name, an endpoint, a queue URL) and never see the wiring.
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

/** TALLY_GROUP_COMMIT: on unless `off`. */
export const groupCommitFromEnv = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env[ENV.groupCommit] !== 'off';

/**
 * TALLY_CHECKPOINT_MODE: `verify` for a function that may only read the table (it checks
 * checkpoints); anything else signs them (the scheduled pass).
 */
export const checkpointSigningFromEnv = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env[ENV.checkpointMode] !== 'verify';

/** TALLY_CHECKPOINT_KEY_SECRET_ARN: the checkpoint key's secret in AWS (set by the CheckpointKey construct). */
export const checkpointKeySecretArnFromEnv = (env: NodeJS.ProcessEnv = process.env): string | undefined =>
  env[ENV.checkpointKeySecretArn]?.trim();

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LambdaConfig {
  return {
    adminToken: env[ENV.adminToken],
    snapshotEvery: snapshotEveryFromEnv(env),
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/** A name the stack always sets; a missing one is a deployment error, not a client's. */
function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The single table's name (ENV.tableName). */
export const tableNameFromEnv = (env: Env = process.env): string => required(env, ENV.tableName);

/** DynamoDB Local's endpoint (ENV.dynamodbEndpoint), set only locally; else the region's. */
export const dynamodbEndpointFromEnv = (env: Env = process.env): string | undefined =>
  env[ENV.dynamodbEndpoint] || undefined;

/** The local SQS emulator's endpoint (ENV.sqsEndpoint), set only locally; else the region's. */
export const sqsEndpointFromEnv = (env: Env = process.env): string | undefined =>
  env[ENV.sqsEndpoint] || undefined;

/** The URL of one of the function's queues; only functions that use a queue are given its URL. */
export const queueUrlFromEnv = (
  queue: ENV.eventsQueueUrl | ENV.eventsDlqUrl | ENV.jobsQueueUrl,
  env: Env = process.env,
): string => required(env, queue);

/**
 * The payment provider and prices (TALLY_PAYMENT_PROVIDER, TALLY_STRIPE_SECRET_ARN,
 * TALLY_PAYMENT_CURRENCY, TALLY_POINT_RATE, TALLY_WEBHOOK_TOLERANCE_SECONDS, the sandbox's secret
 * and data dir): read here, parsed by the payments adapter's schema, which names a bad variable.
 */
export const paymentSettings = (env: Env = process.env): PaymentSettings => paymentSettingsFromEnv(env);
