/**
 * One hot wallet under DynamoDB's per-partition write limit, simulated (partition-throttle.ts):
 * 16 producers deposit to one wallet through clients that hold back any write a partition key's
 * budget cannot take. Twice, on the same writes: charged to the partition keys the layout as
 * built writes (`after`), and with every key of a wallet charged to the wallet's one partition,
 * as the layout before lane shards placed them (`before`). Scaled down (settings.ts, AWS_SCALE).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { ensureTable } from '#local/table.ts';
import { PartitionThrottle } from '../partition-throttle.ts';
import { hotWallet } from './hot-wallet.ts';
import {
  AWS_PARTITION_UNITS,
  AWS_PER_PRODUCER,
  AWS_PRODUCERS,
  AWS_SCALE,
  AWS_WARM_UP,
  log,
} from './settings.ts';

/** Today's layout: every item of a wallet (`WALLET#<id>` and any `WALLET#<id>#…`) on one partition. */
const walletPartition = (partitionKey: string) =>
  partitionKey.startsWith('WALLET#') ? `WALLET#${partitionKey.slice(7).split('#')[0]}` : partitionKey;

async function run(
  endpoint: string,
  label: string,
  unitsPerSecond: number,
  partitionOf?: (key: string) => string,
) {
  const scale = AWS_PARTITION_UNITS / unitsPerSecond;
  const throttle = new PartitionThrottle(unitsPerSecond, partitionOf);
  const result = await hotWallet(
    endpoint,
    'bench-aws',
    `aws-${label}-${Date.now()}`,
    AWS_PRODUCERS,
    AWS_PER_PRODUCER,
    { attach: (client) => throttle.attach(client), warmUpPerProducer: AWS_WARM_UP },
  );
  const wallet = [...throttle.unitsByPartition].filter(([key]) => key.startsWith('WALLET#'));
  const total = wallet.reduce((sum, [, units]) => sum + units, 0);
  const busiest = Math.max(0, ...wallet.map(([, units]) => units));
  const figures = {
    depositsPerSecond: result.depositsPerSecond * scale,
    measuredDepositsPerSecond: result.depositsPerSecond,
    partitions: wallet.length,
    busiestShare: total === 0 ? 0 : busiest / total,
    walletUnitsPerDeposit: total / (result.deposits + AWS_PRODUCERS * AWS_WARM_UP),
    heldRequests: throttle.held,
    failures: result.failures,
  };
  log(`aws hot wallet, ${label}: ${JSON.stringify(figures)}`);
  return figures;
}

export async function awsHotWallet(endpoint: string) {
  const unitsPerSecond = AWS_PARTITION_UNITS / AWS_SCALE;
  const scale = AWS_SCALE;
  await ensureTable(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    'bench-aws',
  );
  const before = await run(endpoint, 'before', unitsPerSecond, walletPartition);
  const after = await run(endpoint, 'after', unitsPerSecond);
  return {
    before,
    after,
    model: {
      partitionUnitsPerSecond: AWS_PARTITION_UNITS,
      simulatedPartitionUnitsPerSecond: unitsPerSecond,
      scale,
      producers: AWS_PRODUCERS,
      deposits: AWS_PRODUCERS * AWS_PER_PRODUCER,
      note: 'per-partition write budget simulated on DynamoDB Local at 1/scale; deposits/s = measured × scale',
    },
  };
}
