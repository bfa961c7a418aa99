/**
 * DynamoDB Local's own ceiling for what a keyless deposit is: one conditional PutItem of one event
 * item (`attribute_not_exists(pk)`, as write-items.ts sends it), nothing else — no head read, no
 * lane choice, no app code. Measured with 1 caller and with `callers` concurrent callers (each
 * its own client, as separate Lambdas), each caller on a wallet of its own (no contention). The
 * ratio says how far more concurrent writers can speed this store up on this machine at all: the
 * hot wallet's "16 producers ÷ 1" cannot be expected to beat it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import { toEventItem } from '#adapters/dynamodb/table-layout/event-item.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { ensureTable } from '#local/table.ts';

/** Puts per second with `callers` callers, each putting `perCaller` items one after the other. */
async function putRate(endpoint: string, table: string, label: string, callers: number, perCaller: number) {
  const startMs = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      const client = createDocumentClient({ endpoint });
      const walletId = `${label}-${caller}`;
      for (let version = 1; version <= perCaller; version++) {
        const event: RecordedEvent = {
          type: 'Deposited',
          data: { amountMinor: 100n, occurredAtMs: Date.now() },
          walletId,
          lane: 0,
          version,
          eventId: `${walletId}-${version}`,
          recordedAtMs: Date.now(),
        };
        await client.send(
          new PutCommand({
            TableName: table,
            Item: toEventItem(event, '', eventHash('', event)),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      }
      client.destroy();
    }),
  );
  return (callers * perCaller) / ((performance.now() - startMs) / 1000);
}

/**
 * One caller, then `callers` at once, alternated `rounds` times (a slow patch of the machine does
 * not land on one shape only); `total` puts per shape and round.
 */
export async function rawPutRates(
  endpoint: string,
  options: { callers: number; total: number; rounds: number; table?: string },
) {
  const table = options.table ?? 'bench-raw-put';
  await ensureTable(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    table,
  );
  const stamp = Date.now();
  await putRate(endpoint, table, `warm-${stamp}`, options.callers, 20);
  let oneSeconds = 0;
  let manySeconds = 0;
  const perCaller = Math.max(1, Math.round(options.total / options.callers));
  for (let round = 0; round < options.rounds; round++) {
    oneSeconds += options.total / (await putRate(endpoint, table, `one-${stamp}-${round}`, 1, options.total));
    manySeconds +=
      (perCaller * options.callers) /
      (await putRate(endpoint, table, `many-${stamp}-${round}`, options.callers, perCaller));
  }
  const one = (options.total * options.rounds) / oneSeconds;
  const many = (perCaller * options.callers * options.rounds) / manySeconds;
  return { one, many, ratio: many / one };
}
