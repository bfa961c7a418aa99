import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { JOB_SEGMENTS } from '#app/jobs.ts';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { DynamoJobStore } from '../../functions/adapters/dynamodb/jobs.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { ensureTable } from '../../functions/local/table.ts';
import { dynamodbEndpoint, startTestRuntime, testDocumentClient, uniqueTableName } from '../support/local.ts';

/**
 * `npm start` after a stop that lost a running job's queued pages (the in-process SQS keeps
 * nothing): the table holds a job none of whose pages is queued, as a run that stopped mid-job
 * leaves it. The next start queues its unfinished segments again, and the job finishes.
 */
const TOKEN = 'resume-admin';
const WALLETS = 5;
const tableName = uniqueTableName('tally-resume');
let runtime: LocalRuntime;
let documents: DynamoDBDocumentClient;
const JOB_ID = 'job-left-running';

beforeAll(async () => {
  const raw = new DynamoDBClient({
    endpoint: dynamodbEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await ensureTable(raw, tableName);
  raw.destroy();
  documents = testDocumentClient();
  // What the last run left: deposits, and a replay job created without a page queued.
  const store = new DynamoEventStore(documents, tableName);
  let ids = 0;
  const deps = {
    store,
    clock: { nowMs: () => Date.now() },
    ids: { newId: () => `e-${++ids}` },
    heads: new HeadCache(),
  };
  for (let n = 0; n < WALLETS; n++) {
    const result = await recordDeposit(deps, {
      walletId: `resume-${n}`,
      amountMinor: 100n,
      respond: () => ({ statusCode: 201, body: '{}' }),
    });
    expect(result.kind).toBe('recorded');
  }
  await new DynamoJobStore(documents, tableName).create({
    jobId: JOB_ID,
    params: { kind: 'replay', dryRun: false },
    segments: JOB_SEGMENTS,
    createdAtMs: Date.now(),
  });
  runtime = await startTestRuntime({ tableName, env: { TALLY_ADMIN_TOKEN: TOKEN } });
}, 60_000);

afterAll(async () => {
  documents?.destroy();
  await runtime?.stop();
});

describe('a job left running by the last run', () => {
  it('is resumed on start and finishes, every wallet counted once', async () => {
    const report = async () => {
      const response = await fetch(`${runtime.url}/replay/${JOB_ID}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { status: string; totals: { wallets: number; events: number } };
    };
    await expect.poll(async () => (await report()).status, { timeout: 20_000, interval: 200 }).toBe('done');
    // One deposit each; whether a view was written depends on whether the projector got there first.
    expect((await report()).totals).toMatchObject({ wallets: WALLETS, events: WALLETS });
  });
});
