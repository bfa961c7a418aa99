// The one place that names the clock and id implementations (they move to #adapters/clock.ts).
import { systemClock } from '#adapters/clock.ts';
import { ALL_APPEND_KINDS } from '#adapters/dynamodb/event-store.ts';
import { RULE_SET_TEXT_BYTES_MAX } from '#adapters/dynamodb/rule-sets.ts';
import type { Stores } from '#adapters/dynamodb/stores.ts';
import { readTransferEventsFast } from '#adapters/dynamodb/table-layout/transfer-event-fast.ts';
import { signerFromEnvOrSecret } from '#adapters/hmac-signer.ts';
import { ActiveThresholds } from '#app/active-threshold.ts';
import type { VerifyDeps } from '#app/queries/verify.ts';
import type { WalletViewDeps } from '#app/queries/wallet-view.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import {
  checkpointStoreFromEnv,
  eventStoreFromEnv,
  jobStoreFromEnv,
  LANE_ZERO_READS,
  perTable,
  readModelsFromEnv,
  STREAM_READS,
  snapshotsFromEnv,
} from './adapters.ts';
import { checkpointKeySecretArnFromEnv, checkpointSigningFromEnv, configFromEnv } from './config.ts';
import { ruleSetReaderFromEnv, ruleSetsFromEnv } from './rule-set-stores.ts';

export { clockAndIds, hashing } from './instance.ts';

/**
 * The composition root of a Lambda function instance: the only runtime code that builds adapters
 * (DynamoDB stores, SQS queues, the clock, hashing) from configuration. Each builder below hands
 * one handler its use case's dependencies; what is expensive is built once per instance, on first
 * use, so a handler module loads without touching the network or the environment. The rules
 * engine (CEL) is not built here: composition/rule-sets.ts builds it, for the functions that
 * evaluate on every call (composition/rules-engine.ts) and, through composition/lazy-rules.ts,
 * for those that evaluate on some calls (composition/corrections.ts, composition/jobs.ts). This
 * module holds no `import()` of it: every function imports this module.
 */
/**
 * Every store of this function instance: one document client, the one table (as
 * adapters/dynamodb/stores.ts `createStores` builds them), each the instance's one object of its
 * kind (adapters.ts, rule-set-stores.ts). A function that needs only some asks for those builders,
 * and bundles only their code.
 */
export const storesFromEnv = /* @__PURE__ */ perTable(
  (): Stores => ({
    // Whoever takes every store (health, the local publisher) gets every kind; the Lambda builders
    // name their own stores and kinds instead (test/unit/bundling/narrow-deps.test.ts).
    events: eventStoreFromEnv(ALL_APPEND_KINDS),
    readModels: readModelsFromEnv(),
    ruleSets: ruleSetsFromEnv(),
    snapshots: snapshotsFromEnv(),
    jobs: jobStoreFromEnv(),
  }),
);

export const stores = (): Stores => storesFromEnv();

/** Read on every call: the local runtime may set it after a handler module loaded. */
export const adminToken = (): string | undefined => configFromEnv().adminToken;

const activeThresholds = /* @__PURE__ */ perTable(
  () => new ActiveThresholds(ruleSetReaderFromEnv(), systemClock),
);

/**
 * The threshold of the active rule set (the wallet view's flag), read without compiling a rule:
 * the functions that only fold views carry no CEL engine (app/active-threshold.ts).
 */
export const threshold = (): Promise<ThresholdConfig> => activeThresholds().current();

export { RULE_SET_TEXT_BYTES_MAX };

/** `GET /wallets/{wallet_id}/transactions`: the wallet's log is all it reads. */
export const transactionsDeps = () => {
  readTransferEventsFast();
  return { stores: { events: eventStoreFromEnv() } };
};

/**
 * The routes that read a wallet's view, log or verify. A trading wallet's log holds transfers: they
 * read those without the event item's schema (transfer-event-fast.ts), in these functions only.
 */
export async function walletReadDeps(): Promise<WalletViewDeps> {
  readTransferEventsFast();
  return {
    stores: {
      events: eventStoreFromEnv(LANE_ZERO_READS),
      readModels: readModelsFromEnv(),
      snapshots: snapshotsFromEnv(),
    },
    // Read by the routes that fold a view, with their first reads (app/queries/wallet-view.ts).
    config: threshold,
    clock: systemClock,
    checkpoints: checkpointsOnce,
  };
}

/** Once per instance (and table); a failed load is not kept, so the next /verify tries again. */
const checkpointsHeld = /* @__PURE__ */ perTable(
  (): { loading?: Promise<NonNullable<VerifyDeps['checkpoints']> | undefined> } => ({}),
);
export const checkpointsOnce = (): Promise<NonNullable<VerifyDeps['checkpoints']> | undefined> => {
  const held = checkpointsHeld();
  held.loading ??= checkpointsFromEnv().catch((error: unknown) => {
    held.loading = undefined;
    throw error;
  });
  return held.loading;
};

/** /verify's signed checkpoints, when a key is configured (undefined: none, /verify anchors to the read model only). */
async function checkpointsFromEnv(): Promise<NonNullable<VerifyDeps['checkpoints']> | undefined> {
  const signer = await signerFromEnvOrSecret(checkpointKeySecretArnFromEnv());
  if (signer === undefined) return undefined;
  return { store: checkpointStoreFromEnv(), signer, sign: checkpointSigningFromEnv() };
}

export const rulesDeps = () => ({ ruleSets: ruleSetsFromEnv(), clock: systemClock });

export async function projectorDeps() {
  const stores = {
    events: eventStoreFromEnv(STREAM_READS),
    readModels: readModelsFromEnv(),
    snapshots: snapshotsFromEnv(),
  };
  // Not awaited here: the projector reads the threshold and its batch together.
  return { stores, config: threshold(), snapshotEvery: configFromEnv().snapshotEvery };
}
