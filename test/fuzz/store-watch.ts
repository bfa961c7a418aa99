import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * How the fuzz suite proves that a rejected request changed nothing, two ways:
 *
 * 1. Every SDK call a handler makes runs inside the AsyncLocalStorage context of the request that
 *    made it, so each write the store or a queue ACCEPTED is charged to one request. A rejected
 *    request with a charged write is a finding, whatever the write was.
 * 2. Independently of (1), the whole table is scanned and the queues counted before and after
 *    every batch. Every item that changed must be one a successful request of that batch wrote, and
 *    the queues may grow only by the messages successful requests sent. This catches a write that
 *    (1) could not see, e.g. one started outside the request's async context.
 */

export interface RequestTrace {
  /** `pk\u0000sk` of every item an accepted write touched. */
  itemKeys: Set<string>;
  /** Accepted write calls, by command name. */
  writes: string[];
  /** Messages queues accepted. */
  messages: number;
  /** How long the request took. */
  ms: number;
  /** SDK calls made (reads included). */
  calls: number;
}

const traces = new AsyncLocalStorage<RequestTrace>();

export const newTrace = (): RequestTrace => ({
  itemKeys: new Set(),
  writes: [],
  messages: 0,
  ms: 0,
  calls: 0,
});

/** Runs `work` with its SDK writes charged to `trace`. */
export const traced = <T>(trace: RequestTrace, work: () => Promise<T>): Promise<T> => traces.run(trace, work);

const WRITE_COMMANDS = new Set([
  'PutCommand',
  'UpdateCommand',
  'DeleteCommand',
  'TransactWriteCommand',
  'BatchWriteCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
  'SendMessageCommand',
  'SendMessageBatchCommand',
]);

/** A key attribute as either client spells it: plain (document client) or `{ S: … }` (raw). */
function keyText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null) {
    const raw = value as { S?: string; N?: string };
    return raw.S ?? raw.N ?? JSON.stringify(value);
  }
  return String(value);
}

const itemKey = (item: Record<string, unknown> | undefined): string =>
  `${keyText(item?.pk)}\u0000${keyText(item?.sk)}`;

type Input = Record<string, unknown>;

/** Every item key a DynamoDB write command names. */
function writtenKeys(input: Input): string[] {
  const keys: string[] = [];
  const one = (operation: Input | undefined) => {
    if (operation === undefined) return;
    const item = (operation.Item ?? operation.Key) as Record<string, unknown> | undefined;
    if (item !== undefined) keys.push(itemKey(item));
  };
  one(input);
  for (const entry of (input.TransactItems as Input[] | undefined) ?? []) {
    one((entry.Put ?? entry.Update ?? entry.Delete) as Input | undefined);
  }
  for (const requests of Object.values((input.RequestItems as Record<string, Input[]> | undefined) ?? {})) {
    for (const request of requests) one((request.PutRequest ?? request.DeleteRequest) as Input | undefined);
  }
  return keys;
}

function charge(
  trace: RequestTrace,
  command: { constructor: { name: string }; input?: unknown },
  output: unknown,
) {
  const name = command.constructor.name;
  if (!WRITE_COMMANDS.has(name)) return;
  trace.writes.push(name);
  const input = (command.input ?? {}) as Input;
  if (name.startsWith('SendMessage')) {
    const successful = (output as { Successful?: unknown[] } | undefined)?.Successful;
    trace.messages += name === 'SendMessageBatchCommand' ? (successful?.length ?? 0) : 1;
    return;
  }
  for (const key of writtenKeys(input)) trace.itemKeys.add(key);
}

type Sender = (this: unknown, command: never, ...rest: unknown[]) => Promise<unknown>;

/**
 * Wraps `send` of the three SDK clients the handlers use (on their prototypes, so clients the
 * handlers create later are covered too). Returns the function that undoes it.
 */
export function watchWrites(): () => void {
  const undo: (() => void)[] = [];
  for (const client of [DynamoDBDocumentClient, DynamoDBClient, SQSClient]) {
    const prototype = client.prototype as unknown as { send: Sender };
    const own = Object.getOwnPropertyDescriptor(prototype, 'send');
    const original = prototype.send;
    prototype.send = async function send(this: unknown, command: never, ...rest: unknown[]) {
      const output = await original.call(this, command, ...rest);
      const trace = traces.getStore();
      if (trace !== undefined) {
        trace.calls++;
        charge(trace, command as never, output);
      }
      return output;
    };
    undo.push(() => {
      if (own === undefined) delete (prototype as { send?: Sender }).send;
      else Object.defineProperty(prototype, 'send', own);
    });
  }
  return () => {
    for (const step of undo) step();
  };
}

/** The table item by item (key → hash of its attributes) and the queues' message counts. */
export interface StoreDigest {
  items: Map<string, string>;
  messages: number;
}

function attributeText(value: AttributeValue): string {
  // Sorted map keys so the same item always hashes the same.
  return JSON.stringify(value, (_key, entry: unknown) =>
    entry !== null && typeof entry === 'object' && !Array.isArray(entry)
      ? Object.fromEntries(Object.entries(entry).sort(([a], [b]) => (a < b ? -1 : 1)))
      : entry,
  );
}

export async function digestStore(
  dynamodb: DynamoDBClient,
  tableName: string,
  sqs: SQSClient,
  queueUrls: readonly string[],
): Promise<StoreDigest> {
  const items = new Map<string, string>();
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      items.set(
        itemKey(item),
        createHash('sha256')
          .update(attributeText(item as never))
          .digest('hex'),
      );
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  let messages = 0;
  for (const queueUrl of queueUrls) {
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    messages +=
      Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }
  return { items, messages };
}

/** Item keys that differ between two digests (added, removed or changed). */
export function changedKeys(before: StoreDigest, after: StoreDigest): string[] {
  const changed: string[] = [];
  for (const [key, hash] of after.items) if (before.items.get(key) !== hash) changed.push(key);
  for (const key of before.items.keys()) if (!after.items.has(key)) changed.push(key);
  return changed;
}
