import { randomBytes, randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import { ensureEventsQueues, startLocalSqs } from '../../functions/adapters/local/sqs-local.ts';
import { createSqsClient } from '../../functions/adapters/sqs/client.ts';
import { ensureTable } from '../../functions/local/table.ts';
import { ENV } from '../../lib/wiring.ts';

/**
 * The environment the handler modules configure themselves from, as the local runtime sets it:
 * a table of this file's own on the shared DynamoDB Local, and a local SQS (fauxqs, in process)
 * with the events and jobs queues, which nothing consumes, so every message stays countable.
 */
export interface FuzzEnvironment {
  tableName: string;
  adminToken: string;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  queueUrls: string[];
  close(): Promise<void>;
}

export async function fuzzEnvironment(endpoint: string): Promise<FuzzEnvironment> {
  const tableName = `tally-fuzz-${randomUUID().slice(0, 8)}`;
  const dynamodb = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(dynamodb, tableName);
  const localSqs = await startLocalSqs({ host: '127.0.0.1', port: 0 });
  const sqs = createSqsClient({ endpoint: localSqs.endpoint, region: LOCAL_REGION });
  const events = await ensureEventsQueues(sqs, { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 });
  const jobs = await ensureEventsQueues(sqs, {
    name: 'tally-jobs',
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 30,
  });
  const adminToken = randomBytes(24).toString('base64url');
  // Before any handler module loads: they read this once, at first use.
  Object.assign(process.env, {
    [ENV.tableName]: tableName,
    [ENV.dynamodbEndpoint]: endpoint,
    [ENV.sqsEndpoint]: localSqs.endpoint,
    [ENV.eventsQueueUrl]: events.queueUrl,
    [ENV.eventsDlqUrl]: events.dlqUrl,
    [ENV.jobsQueueUrl]: jobs.queueUrl,
    [ENV.adminToken]: adminToken,
    AWS_REGION: LOCAL_REGION,
    POWERTOOLS_METRICS_DISABLED: 'true',
    // Only errors are logged, and the suite reads them to name the cause of a 5xx.
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_SERVICE_NAME: 'tally-fuzz',
    // Each command in its own transaction, so each write is charged to the request that made it
    // (group commit sends one request's transaction with other requests' parts in it).
    [ENV.groupCommit]: 'off',
  });
  return {
    tableName,
    adminToken,
    dynamodb,
    sqs,
    queueUrls: [events.queueUrl, events.dlqUrl, jobs.queueUrl, jobs.dlqUrl],
    close: async () => {
      sqs.destroy();
      await localSqs.stop();
      await dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
      dynamodb.destroy();
    },
  };
}
