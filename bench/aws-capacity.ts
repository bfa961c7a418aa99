/**
 * What DynamoDB in AWS would bill for a write request, and on which partition keys, computed from
 * the request itself. DynamoDB Local's own `ConsumedCapacity` is not the service's: version 1.25.1
 * reports 4 write units for any TransactWriteItems of small items, one item or ten (measured here;
 * the service bills 2 per item, per 1 KB). Figures that compare a one-item transaction with a
 * ten-item one, or that charge a partition, use this model instead.
 *
 * The model: an item's size is the sum of its attribute names and values (strings and binaries
 * by their bytes, numbers by about one byte per two digits plus one, lists and maps 3 bytes plus
 * their elements); a write costs ceil(size / 1 KB) units, doubled inside a transaction. An update
 * or a delete is charged on its key and new values (the service charges the larger of the item
 * before and after: for the small LANES item both are under 1 KB). A cancelled request is charged
 * as if it had written (the service charges the attempt).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

export interface PartitionCharge {
  /** The partition key (`pk`) the write lands on. */
  partitionKey: string;
  units: number;
}

const KB = 1024;
const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** The size DynamoDB assigns an attribute value, in bytes (see the module comment). */
export function attributeSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+/g, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + utf8(text), 0);
  if (value.NS !== undefined)
    return value.NS.reduce((sum, n) => sum + attributeSize({ N: n } as AttributeValue), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + attributeSize(element), 0);
  if (value.M !== undefined) return 3 + itemSize(value.M) + Object.keys(value.M).length;
  return 0;
}

export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + attributeSize(value);
  return size;
}

const unitsFor = (size: number, transactional: boolean) =>
  Math.max(1, Math.ceil(size / KB)) * (transactional ? 2 : 1);

const partitionOf = (item: Record<string, AttributeValue> | undefined) => item?.pk?.S ?? '?';

type Input = Record<string, unknown>;

const WIRE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);
const isWire = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  Object.keys(value).length === 1 &&
  WIRE_TYPES.has(Object.keys(value)[0] ?? '');

/**
 * An item in DynamoDB's wire form, whichever form the middleware saw it in (the document client
 * marshals after the initialize step on some commands, before it on others).
 */
function wire(value: unknown): Record<string, AttributeValue> {
  const record = (value ?? {}) as Record<string, unknown>;
  if (Object.values(record).every(isWire)) return record as Record<string, AttributeValue>;
  return marshall(record, { removeUndefinedValues: true, convertClassInstanceToMap: true });
}

/** The write units a request (low-level input, as the client's middleware sees it) costs, by partition key. */
export function writeCharges(command: string, input: Input): PartitionCharge[] {
  const item = wire;
  const keyAndValues = (entry: Input) => ({
    ...item(entry.Key),
    ...item(entry.ExpressionAttributeValues ?? {}),
  });
  switch (command) {
    case 'PutItemCommand':
      return [
        { partitionKey: partitionOf(item(input.Item)), units: unitsFor(itemSize(item(input.Item)), false) },
      ];
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [
        { partitionKey: partitionOf(item(input.Key)), units: unitsFor(itemSize(keyAndValues(input)), false) },
      ];
    case 'BatchWriteItemCommand': {
      const charges: PartitionCharge[] = [];
      for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, Input[]>)) {
        for (const request of requests) {
          const put = request.PutRequest as Input | undefined;
          const remove = request.DeleteRequest as Input | undefined;
          const written = item(put?.Item ?? remove?.Key);
          charges.push({ partitionKey: partitionOf(written), units: unitsFor(itemSize(written), false) });
        }
      }
      return charges;
    }
    case 'TransactWriteItemsCommand':
      return ((input.TransactItems ?? []) as Input[]).map((action) => {
        const put = action.Put as Input | undefined;
        if (put !== undefined)
          return {
            partitionKey: partitionOf(item(put.Item)),
            units: unitsFor(itemSize(item(put.Item)), true),
          };
        const other = (action.Update ?? action.Delete ?? action.ConditionCheck) as Input;
        return {
          partitionKey: partitionOf(item(other.Key)),
          units: unitsFor(itemSize(keyAndValues(other)), true),
        };
      });
    default:
      return [];
  }
}
