import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { EVENT_ITEMS_FILTER, type FunctionSpec } from '#lib/wiring.ts';
import { BackgroundLoops } from '#local/background-loops.ts';
import type { StreamDelivery } from '#local/stream-delivery.ts';
import { ShardPipeline } from '#local/stream-pipeline.ts';
import type { StreamConsumer } from '#local/stream-types.ts';

let sequence = 0;
const record = (pk: string, sk = `EVENT#00#${String(++sequence).padStart(12, '0')}`): StreamRecord => ({
  eventName: 'INSERT',
  dynamodb: { Keys: { pk: { S: pk }, sk: { S: sk } }, SequenceNumber: String(sequence) },
});

const consumer = (name: string, parallelizationFactor?: number, batchSize = 100): StreamConsumer => ({
  spec: { name } as FunctionSpec,
  handler: async () => undefined,
  trigger: {
    kind: 'table-stream',
    filter: EVENT_ITEMS_FILTER,
    batchSize,
    maxBatchingWindowSeconds: 0,
    retryAttempts: 0,
    ...(parallelizationFactor === undefined ? {} : { parallelizationFactor }),
  },
});

/** A delivery whose invocations the test finishes one by one. */
function heldDelivery() {
  const calls: { consumer: string; sks: string[]; pks: string[]; finish: () => void }[] = [];
  const delivery = {
    invoke: (target: StreamConsumer, _shardId: string, batch: DynamoDBRecord[]) =>
      new Promise<'done'>((resolve) => {
        calls.push({
          consumer: target.spec.name,
          sks: batch.map((one) => one.dynamodb?.Keys?.sk?.S ?? ''),
          pks: batch.map((one) => one.dynamodb?.Keys?.pk?.S ?? ''),
          finish: () => resolve('done'),
        });
      }),
  } as unknown as StreamDelivery;
  return { delivery, calls };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function pipeline(consumers: StreamConsumer[], delivery: StreamDelivery) {
  const checkpoints: string[] = [];
  const loops = new BackgroundLoops();
  const shard = new ShardPipeline({
    shardId: 'shard-1',
    consumers,
    delivery,
    loops,
    streamArn: 'arn:stream',
    region: 'us-east-1',
    checkpoint: (sequenceNumber) => checkpoints.push(sequenceNumber),
  });
  return { shard, checkpoints, loops };
}

describe('ShardPipeline', () => {
  it('hands records over without waiting for earlier batches, one partition key in one queue, in order', async () => {
    const { delivery, calls } = heldDelivery();
    const { shard, checkpoints } = pipeline([consumer('projector', 4)], delivery);
    const first = [record('WALLET#a'), record('WALLET#b')];
    await shard.push(first);
    await tick();
    const batchesAfterFirst = calls.length;
    // The reader goes on while those batches are still being handled.
    const second = [record('WALLET#a'), record('WALLET#c')];
    await shard.push(second);
    await tick();
    expect(shard.pending).toBe(4);
    // a's second record waits for a's first: same queue, one batch at a time.
    const aCalls = () => calls.filter((call) => call.pks.includes('WALLET#a'));
    expect(aCalls()).toHaveLength(1);
    for (const call of [...calls]) call.finish();
    await tick();
    for (const call of calls.slice(batchesAfterFirst)) call.finish();
    await tick();
    for (const call of calls) call.finish();
    await shard.drained();
    expect(shard.pending).toBe(0);
    const aOrder = aCalls().flatMap((call) => call.sks);
    expect(aOrder).toEqual([first[0], second[0]].map((one) => one?.dynamodb?.Keys?.sk?.S));
    expect(checkpoints.at(-1)).toBe(second[1]?.dynamodb?.SequenceNumber);
  });

  it('moves the checkpoint only past records delivered with every record before them', async () => {
    const { delivery, calls } = heldDelivery();
    const { shard, checkpoints } = pipeline([consumer('projector', 8)], delivery);
    // Keys chosen to land in different queues (checked below).
    const records = [record('WALLET#k1'), record('WALLET#k2'), record('WALLET#k3')];
    await shard.push(records);
    await tick();
    expect(calls).toHaveLength(3);
    const callOf = (pk: string) => calls.find((call) => call.pks.includes(pk));
    callOf('WALLET#k3')?.finish();
    callOf('WALLET#k2')?.finish();
    await tick();
    expect(checkpoints).toEqual([]);
    callOf('WALLET#k1')?.finish();
    await shard.drained();
    expect(checkpoints).toEqual([records[2]?.dynamodb?.SequenceNumber]);
  });

  it('serves each consumer on its own: one queue without a factor, in shard order, batches cut at its size', async () => {
    const { delivery, calls } = heldDelivery();
    const { shard, checkpoints } = pipeline(
      [consumer('publisher', undefined, 2), consumer('projector', 4)],
      delivery,
    );
    const records = [
      record('WALLET#a'),
      record('WALLET#b'),
      record('WALLET#c'),
      record('OTHER', 'VIEW#WALLET'),
    ];
    await shard.push(records);
    for (let round = 0; round < 5; round++) {
      await tick();
      for (const call of calls) call.finish();
    }
    await shard.drained();
    const published = calls.filter((call) => call.consumer === 'publisher');
    expect(published.map((call) => call.pks)).toEqual([['WALLET#a', 'WALLET#b'], ['WALLET#c']]);
    const projected = calls.filter((call) => call.consumer === 'projector').flatMap((call) => call.pks);
    expect(projected.sort()).toEqual(['WALLET#a', 'WALLET#b', 'WALLET#c']);
    // The view item matches no filter: it is passed over, and the checkpoint goes past it.
    expect(checkpoints.at(-1)).toBe(records[3]?.dynamodb?.SequenceNumber);
  });

  it('stops handing over batches once the poller stops: the undelivered records stay before the checkpoint', async () => {
    const { delivery, calls } = heldDelivery();
    const { shard, checkpoints, loops } = pipeline([consumer('projector', 1, 1)], delivery);
    const records = [record('WALLET#a'), record('WALLET#a')];
    await shard.push(records);
    await tick();
    expect(calls).toHaveLength(1);
    const stopped = loops.stop();
    calls[0]?.finish();
    await stopped;
    await shard.drained();
    expect(calls).toHaveLength(1);
    expect(shard.stopped).toBe(true);
    expect(checkpoints).toEqual([records[0]?.dynamodb?.SequenceNumber]);
  });
});
