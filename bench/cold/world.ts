/**
 * What a cold start in `npm run bench:cold` (and `bench/cold/profile.ts`) runs against: DynamoDB
 * Local with the table, local SQS with the events and jobs queues, the stand-in EventBridge, and
 * the environment the stack sets, pointed at them. One definition, so the profiler measures the
 * very set-up the bench does.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CHECKPOINT_KEY_ENV } from '#adapters/hmac-signer.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ensureEventsQueues, startLocalSqs } from '#adapters/local/sqs-local.ts';
import { ENV } from '#lib/wiring.ts';
import { ensureTable } from '#local/table.ts';
import { startFakeEventBridge } from './fake-eventbridge.ts';

const TABLE = 'tally-cold-bench';

export interface ColdWorld {
  /** The environment a function's process gets (what the stack sets, pointed at the emulators). */
  env: NodeJS.ProcessEnv;
  /** PutEvents entries the stand-in EventBridge took. */
  publishedEntries(): number;
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
    };
    return { env, publishedEntries: () => eventBridge.entries(), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
