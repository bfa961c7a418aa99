import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { ensureTable } from '#adapters/local/table.ts';
import { ingestRate } from './run/ingest.ts';
import { rawBatchWriteRate } from './run/raw-batch.ts';

const ddb = await startDynamoDbLocal({ inMemory: true, log: () => {}, tuning: 'throughput' });
try {
  await ensureTable(new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }), 'bench-wallet');
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    const r = await ingestRate(ddb.endpoint, 10, 200);
    console.log('ingest10', r.toFixed(1), 'ms', (performance.now() - t).toFixed(0));
  }
  console.log('raw', (await rawBatchWriteRate(ddb.endpoint, 2000)).toFixed(1));
} finally {
  await ddb.stop();
}
