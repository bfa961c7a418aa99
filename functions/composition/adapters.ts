import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoAccountSnapshotStore } from '#adapters/dynamodb/account-snapshots.ts';
import { DynamoCheckpointStore } from '#adapters/dynamodb/checkpoints.ts';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoRuleSetStore } from '#adapters/dynamodb/rule-sets.ts';
import { createStores, type Stores } from '#adapters/dynamodb/stores.ts';
import { DECISION_RULES_PK } from '#adapters/dynamodb/table-layout/keys.ts';
import { DynamoTradingIndex } from '#adapters/dynamodb/trading-index.ts';
import { createSqsClient } from '#adapters/sqs/client.ts';
import { SqsDeadLetterQueue } from '#adapters/sqs/dead-letters.ts';
import { SqsEventsQueue } from '#adapters/sqs/events-queue.ts';
import { SqsJobQueue } from '#adapters/sqs/jobs-queue.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { tracedEventStore } from '#observability/traced-ports.ts';
import type { DeadLetterSink } from '#ports/dead-letters.ts';
import type { JobQueue } from '#ports/jobs.ts';
import {
  dynamodbEndpointFromEnv,
  groupCommitFromEnv,
  queueUrlFromEnv,
  sqsEndpointFromEnv,
  tableNameFromEnv,
} from './config.ts';

/**
 * The real adapters of a function instance, built from the configuration config.ts reads. Each is
 * built on first use, so a handler module loads without touching the network or the environment.
 */
let stores: Stores | undefined;
let documentClient: ReturnType<typeof createDocumentClient> | undefined;

/** One document client per instance, on ENV.dynamodbEndpoint when set (only locally). */
function documentClientFromEnv() {
  // Only a local endpoint is passed: without one the client uses the function's region and role.
  const endpoint = dynamodbEndpointFromEnv();
  documentClient ??= createDocumentClient(endpoint === undefined ? {} : { endpoint });
  return documentClient;
}

/** /verify's signed checkpoints live in the wallet's partition of the one table. */
export const checkpointStoreFromEnv = (): DynamoCheckpointStore =>
  new DynamoCheckpointStore(documentClientFromEnv(), tableNameFromEnv());

/**
 * The stores for this function instance: one document client, the one table. Appends run in an
 * `event-store append` span whose context is stored with the events (observability/traced-ports.ts).
 */
export function storesFromEnv(): Stores {
  if (stores === undefined) {
    const created = createStores(documentClientFromEnv(), tableNameFromEnv());
    stores = { ...created, events: tracedEventStore(created.events) };
    // Concurrent commands on one wallet in this process share a transaction (app/group-commit.ts).
    if (groupCommitFromEnv()) enableGroupCommit(stores.events);
  }
  return stores;
}

let decisionRuleSets: DynamoRuleSetStore | undefined;

/** The card decision rules' published versions (their own partition of the one table). */
export function decisionRuleSetsFromEnv(): DynamoRuleSetStore {
  decisionRuleSets ??= new DynamoRuleSetStore(documentClientFromEnv(), tableNameFromEnv(), DECISION_RULES_PK);
  return decisionRuleSets;
}

let accountSnapshots: DynamoAccountSnapshotStore | undefined;

/** Card accounts' stored read snapshots (one item in each account's wallet partition). */
export function accountSnapshotsFromEnv(): DynamoAccountSnapshotStore {
  accountSnapshots ??= new DynamoAccountSnapshotStore(documentClientFromEnv(), tableNameFromEnv());
  return accountSnapshots;
}

let tradingIndex: DynamoTradingIndex | undefined;

/** The offer book and the expiry index, in the one table (adapters/dynamodb/trading-index.ts). */
export function tradingIndexFromEnv(): DynamoTradingIndex {
  tradingIndex ??= new DynamoTradingIndex(documentClientFromEnv(), tableNameFromEnv());
  return tradingIndex;
}

let sqs: { endpoint: string | undefined; client: SQSClient } | undefined;

/** This function instance's SQS client, on ENV.sqsEndpoint when set (only locally). */
export function sqsClientFromEnv(): SQSClient {
  const endpoint = sqsEndpointFromEnv();
  // Rebuilt only if the endpoint changed: one process hosts one local runtime at a time, but tests
  // start several runtimes one after another, each with its own emulator port.
  if (sqs === undefined || sqs.endpoint !== endpoint) {
    sqs?.client.destroy();
    sqs = { endpoint, client: createSqsClient(endpoint === undefined ? {} : { endpoint }) };
  }
  return sqs.client;
}

/** The events queue of this function instance (ENV.eventsQueueUrl). */
export function eventsQueueFromEnv(): SqsEventsQueue {
  return new SqsEventsQueue(sqsClientFromEnv(), queueUrlFromEnv('eventsQueueUrl'));
}

/** The events DLQ of this function instance (ENV.eventsDlqUrl). */
export function deadLettersFromEnv(): DeadLetterSink {
  return new SqsDeadLetterQueue(sqsClientFromEnv(), queueUrlFromEnv('eventsDlqUrl'));
}

let jobs: { client: SQSClient; queueUrl: string; queue: SqsJobQueue } | undefined;

/** This function instance's jobs queue (ENV.jobsQueueUrl, on the client of ENV.sqsEndpoint). */
export function jobQueueFromEnv(): JobQueue {
  const queueUrl = queueUrlFromEnv('jobsQueueUrl');
  const client = sqsClientFromEnv();
  // Rebuilt only when the client or URL changed (tests start one local runtime after another).
  if (jobs === undefined || jobs.client !== client || jobs.queueUrl !== queueUrl) {
    jobs = { client, queueUrl, queue: new SqsJobQueue(client, queueUrl) };
  }
  return jobs.queue;
}
