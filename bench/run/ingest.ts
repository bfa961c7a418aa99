/** Ingest through the local SQS: CloudEvents in, events in the store, at a given batch size. */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { startLocalRuntime } from '#adapters/local/runtime.ts';
import { FUNCTIONS } from '#lib/wiring.ts';
import { WALLETS } from './settings.ts';

/**
 * CloudEvents through the local SQS into the store, with the ingest trigger's batch size set to
 * `batchSize` (the wiring's is 10): events per second from the first send until the queue is empty.
 */
export async function ingestRate(endpoint: string, batchSize: number, events: number): Promise<number> {
  const functions = FUNCTIONS.map((spec) =>
    spec.name !== 'ingest-queue'
      ? spec
      : {
          ...spec,
          triggers: (spec.triggers ?? []).map((trigger) =>
            trigger.kind === 'events-queue' ? { ...trigger, batchSize } : trigger,
          ),
        },
  );
  const runtime = await startLocalRuntime({
    port: 0,
    endpoint,
    tableName: 'bench-wallet',
    logRequests: false,
    log: () => undefined,
    functions,
  });
  try {
    const sqs = new SQSClient({
      endpoint: runtime.sqsEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const run = `${batchSize}-${Date.now()}`;
    const startMs = performance.now();
    for (let first = 0; first < events; first += 10) {
      const entries = Array.from({ length: Math.min(10, events - first) }, (_, offset) => {
        const i = first + offset;
        return {
          Id: String(offset),
          MessageBody: JSON.stringify({
            specversion: '1.0',
            id: `bench-${run}-${i}`,
            source: 'bench',
            type: i % 2 === 0 ? 'answer_is_liked' : 'trade',
            subject: `ingest-${i % WALLETS}`,
            time: new Date().toISOString(),
            data: { qty: 10 + (i % 7) },
          }),
        };
      });
      const sent = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: runtime.eventsQueueUrl, Entries: entries }),
      );
      if ((sent.Failed ?? []).length > 0)
        throw new Error(`local SQS refused ${sent.Failed?.length} messages`);
    }
    await runtime.whenIngested({ timeoutMs: 120_000 });
    return events / ((performance.now() - startMs) / 1000);
  } finally {
    await runtime.stop();
  }
}
