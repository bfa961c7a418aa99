import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { observeClients } from '#adapters/dynamodb/client.ts';
import { TABLE } from '#lib/table-spec.ts';

/**
 * DynamoDB Local answers a `TransactWriteItems` before its SQLite transaction is on disk: killed in
 * the next few milliseconds, the emulator comes back without a transaction it acknowledged
 * (measured with `-dbPath`: 6 of 8 kills right after the answer lost the last transaction; none
 * lost a `PutItem`). Every request runs on the emulator's one SQLite queue, so any request that
 * follows waits for that commit. In AWS an acknowledged transaction is durable; locally, with data
 * kept on disk, the runtime reads one key that never exists after each transaction, before the
 * handler sees the answer — so "durable before acknowledged" holds for `tally dev` too (without
 * it, a write after a restart could build on an event the emulator had lost). In memory there is
 * nothing to keep, so no barrier.
 */
const BARRIER_KEY = { [TABLE.partitionKey]: '#LOCAL#COMMIT-BARRIER', [TABLE.sortKey]: '#' };

const durable = new Set<string>();
let installed = false;

/** Transactions sent to `endpoint` (as `http://host:port`) return only once they are on disk. */
export function awaitCommitsOn(endpoint: string): () => void {
  if (!installed) {
    installed = true;
    observeClients((client) => {
      let target: Promise<string> | undefined;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if (context.commandName !== 'TransactWriteItemsCommand' || durable.size === 0) return result;
          target ??= (client.config.endpoint?.() ?? Promise.resolve(undefined)).then((url) =>
            url === undefined ? '' : `${url.protocol}//${url.hostname}:${url.port}`,
          );
          if (!durable.has(await target)) return result;
          const items = (args.input as { TransactItems?: Record<string, { TableName?: string }>[] })
            .TransactItems;
          const tableName = Object.values(items?.[0] ?? {})[0]?.TableName;
          if (tableName !== undefined)
            await client.send(new GetCommand({ TableName: tableName, Key: BARRIER_KEY }));
          return result;
        },
        { step: 'initialize', name: 'tallyLocalCommitBarrier' },
      );
    });
  }
  durable.add(endpoint);
  return () => {
    durable.delete(endpoint);
  };
}
