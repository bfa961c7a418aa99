/**
 * What a cold start in `npm run bench:cold` (and `bench/cold/profile.ts`) runs against: DynamoDB
 * Local with the table, local SQS with the events and jobs queues, the stand-in EventBridge, and
 * the environment the stack sets, pointed at them, and what a deployment's first calls find there
 * (a funded wallet; payments, an order, a card account and jobs made through the app's routes:
 * seed.ts). One definition, so the profiler and the floor measure the very set-up the bench does.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoEventStore } from '#adapters/dynamodb/event-store.ts';
import { CHECKPOINT_KEY_ENV } from '#adapters/hmac-signer.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ensureEventsQueues, startLocalSqs } from '#adapters/local/sqs-local.ts';
import { PAYMENT_ENV } from '#adapters/payments/config.ts';
import { ENV } from '#lib/wiring.ts';
import { ensureTable } from '#local/table.ts';
import { BENCH_WALLET, firstEvent, UNSEEDED } from './events.ts';
import { startFakeEventBridge } from './fake-eventbridge.ts';
import { adoptEnv, seedWorld } from './seed.ts';
import { appendDeposit, freshStreamEvents, STREAM_CONSUMERS } from './stream-event.ts';

const TABLE = 'tally-cold-bench';

export interface ColdWorld {
  /** The environment a function's process gets (what the stack sets, pointed at the emulators). */
  env: NodeJS.ProcessEnv;
  /** PutEvents entries the stand-in EventBridge took. */
  publishedEntries(): number;
  /**
   * Brings every wallet's view up to its log, as the deployed stack's stream projector does within
   * about 100 ms of each write (project-streams: `projectWallet` per wallet the stream names). The
   * bench calls it between cold starts, so a read's first call meets the table a deployment has,
   * not one whose views were never projected; it runs in this process, never during a cold start.
   */
  projectViews(): Promise<void>;
  /**
   * The event the next cold start of `target` is handed (a wiring function's name, `<name>@before`,
   * or `baseline`): a stream consumer a new record with its image (stream-event.ts; a twin a wallet
   * of its own), any other function its first event with ids of this cold start's own (events.ts),
   * naming what the world seeded (seed.ts), the baseline none. Where the call consumes what it is
   * handed, it is made here, before the cold start: the signed webhook of a payment requested just
   * now (payment-webhook), a replay job just started (run-jobs), and a deposit just made, its view
   * projected (corrections: even under profile.ts `--unprojected`, as a correction names a deposit
   * made before, not one still on its way to the view).
   */
  firstEventOf(target: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startColdWorld(log: (line: string) => void): Promise<ColdWorld> {
  const ddb = await startDynamoDbLocal({ inMemory: true, log });
  const sqs = await startLocalSqs();
  const eventBridge = await startFakeEventBridge();
  const stop = async () => {
    await eventBridge.stop();
    await sqs.stop();
    await ddb.stop();
  };
  try {
    const raw = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await ensureTable(raw, TABLE);
    await seedBenchWallet(ddb.endpoint);
    const sqsClient = new SQSClient({
      endpoint: sqs.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const events = await ensureEventsQueues(sqsClient, { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 });
    const jobs = await ensureEventsQueues(sqsClient, {
      name: 'tally-jobs',
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 30,
    });
    // What the stack sets (lib/constructs/tally-function.ts, lib/tally-stack.ts), pointed at the emulators.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_SERVICE_NAME: 'tally',
      POWERTOOLS_METRICS_NAMESPACE: 'Tally',
      // No NODE_OPTIONS, as the stack sets none: the bundles map their stacks lazily.
      [ENV.tableName]: TABLE,
      [ENV.dynamodbEndpoint]: ddb.endpoint,
      [ENV.sqsEndpoint]: sqs.endpoint,
      [ENV.eventsQueueUrl]: events.queueUrl,
      [ENV.eventsDlqUrl]: events.dlqUrl,
      [ENV.jobsQueueUrl]: jobs.queueUrl,
      [ENV.jobsDlqUrl]: jobs.dlqUrl,
      // What the local runtime gives the checkpoint pass: a key of its own (one per process there).
      [CHECKPOINT_KEY_ENV]: randomBytes(32).toString('hex'),
      // The publisher's bus, as the stack names it, reached at a stand-in EventBridge
      // (cold/fake-eventbridge.ts): its first call publishes instead of throwing for want of a bus.
      [ENV.eventBusName]: 'tally-cold-bench',
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
      // The payment provider the local runtime runs (the sandbox), with a webhook secret of this
      // world's: the webhook's first call verifies what the provider signed (seed.ts) with it.
      [PAYMENT_ENV.sandboxWebhookSecret]: `whsec_coldbench_${randomBytes(24).toString('hex')}`,
    };
    const streamEvent = freshStreamEvents(env);
    const projectViews = viewProjector(env);
    const seeds = await seedWorld(env);
    await projectViews();
    let coldStarts = 0;
    const firstEventOf = async (target: string) => {
      const name = target.replace(/@before$/, '');
      if (STREAM_CONSUMERS.has(name)) return streamEvent(target);
      if (name === 'baseline') return '{}';
      const seeded = { ...UNSEEDED, ...seeds.seeded };
      if (name === 'payment-webhook') seeded.webhook = await seeds.freshWebhook();
      if (name === 'run-jobs') seeded.runJobPage = await seeds.freshJobPage();
      if (name === 'corrections') {
        // The deposit it voids, made before it and projected as a deployment's projector would.
        seeded.correctionTarget = await seeds.freshDeposit();
        await projectViews();
      }
      return JSON.stringify(firstEvent({ name }, ++coldStarts, seeded));
    };
    return {
      env,
      publishedEntries: () => eventBridge.entries(),
      projectViews,
      firstEventOf,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * ColdWorld.projectViews: the projector's own code (composition/lambda.ts `projectorDeps`,
 * app/wallet-projection.ts `projectWallet`) over every wallet of the table, with the environment a
 * function's process gets. Loaded on first use (the world's set-up projects what it seeded).
 */
function viewProjector(env: NodeJS.ProcessEnv): () => Promise<void> {
  let loaded: Promise<() => Promise<void>> | undefined;
  const load = async () => {
    // This process only spawns the cold starts (each with `env` of its own), so it takes it over.
    adoptEnv(env);
    const [{ projectorDeps }, { projectWallet }] = await Promise.all([
      import('#composition/lambda.ts'),
      import('#app/wallet-projection.ts'),
    ]);
    const { stores, config } = await projectorDeps();
    return async () => {
      const threshold = await config;
      let cursor: string | null = null;
      do {
        const page = await stores.events.walletIds({ segment: 0, segments: 1, cursor });
        for (const walletId of page.walletIds)
          await projectWallet(stores.events, stores.readModels, walletId, threshold);
        cursor = page.nextCursor;
      } while (cursor !== null);
    };
  };
  return async () => {
    loaded ??= load();
    await (await loaded)();
  };
}

/**
 * The bench wallet starts with funds, as a wallet that clients spend from has: every cold start of
 * holds and transfers takes 1.00 from it and never gives it back, and without funds their first
 * call would be a refusal (409) whenever it runs before enough deposits, not the spend it is.
 */
async function seedBenchWallet(endpoint: string): Promise<void> {
  const store = new DynamoEventStore(createDocumentClient({ endpoint, region: LOCAL_REGION }), TABLE);
  await appendDeposit(store, BENCH_WALLET, { version: 0, hash: '' }, 100_000_000n, `${BENCH_WALLET}-seed`);
}
