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

/**
 * The requests followed by the barrier: transactions, and the projector's batched view writes
 * (PartiQL statements, app/view-writes.ts), which the emulator may commit the same way (not
 * measured; one read per batch with data on disk only, so taken as a transaction is).
 */
const BARRIERED = new Set(['TransactWriteItemsCommand', 'BatchExecuteStatementCommand']);

/** The table a barriered request wrote. */
function tableOf(input: unknown): string | undefined {
  const { TransactItems, Statements } = input as {
    TransactItems?: Record<string, { TableName?: string }>[];
    Statements?: { Statement?: string }[];
  };
  if (TransactItems !== undefined) return Object.values(TransactItems[0] ?? {})[0]?.TableName;
  return /^\s*(?:INSERT\s+INTO|UPDATE)\s+"([^"]+)"/i.exec(Statements?.[0]?.Statement ?? '')?.[1];
}

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
          if (!BARRIERED.has(context.commandName ?? '') || durable.size === 0) return result;
          target ??= (client.config.endpoint?.() ?? Promise.resolve(undefined)).then((url) =>
            url === undefined ? '' : `${url.protocol}//${url.hostname}:${url.port}`,
          );
          if (!durable.has(await target)) return result;
          const tableName = tableOf(args.input);
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
