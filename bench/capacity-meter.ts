import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { writeCharges } from './aws-capacity.ts';

/** Commands (the low-level names the middleware context carries) that accept ReturnConsumedCapacity. */
const METERED = new Set([
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
  'TransactGetItemsCommand',
]);

const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

interface Consumed {
  CapacityUnits?: number;
  WriteCapacityUnits?: number;
  ReadCapacityUnits?: number;
}

/**
 * Counts DynamoDB requests and the capacity DynamoDB reports for them (ReturnConsumedCapacity
 * TOTAL), per command, and beside it the write units AWS would bill for the same requests
 * (`awsWriteUnits`, aws-capacity.ts): DynamoDB Local reports 4 units for any small transaction.
 *
 * It meters only between start() and stop(). Asking for the consumed capacity is not free: DynamoDB
 * Local then reads the table's description and compares old and new item for every write
 * (bench/prof/jfr.ts), which production never asks of it. A phase that reads no write units (ingest,
 * the raw yardstick, the hot wallet: every client of a bench process is attached) sends its requests
 * as production does.
 */
export class CapacityMeter {
  requests = 0;
  writeUnits = 0;
  /** Write units as the service bills them (aws-capacity.ts), failed attempts included. */
  awsWriteUnits = 0;
  readUnits = 0;
  /** Write units of PutItems of wallet views: the projector's (deposits without a key are PutItems too). */
  viewWriteUnits = 0;
  readonly byCommand = new Map<string, { requests: number; units: number }>();
  private metering = false;

  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.metering) return next(args);
        const command = context.commandName ?? 'unknown';
        const metered = METERED.has(command);
        const input = metered
          ? { ...(args.input as Record<string, unknown>), ReturnConsumedCapacity: 'TOTAL' }
          : args.input;
        if (WRITES.has(command))
          for (const charge of writeCharges(command, args.input as Record<string, unknown>))
            this.awsWriteUnits += charge.units;
        const result = await next({ ...args, input });
        this.record(
          command,
          metered
            ? (result.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity
            : undefined,
          command === 'PutItemCommand' && isView((args.input as { Item?: Record<string, unknown> }).Item),
        );
        return result;
      },
      // Low priority: after lib-dynamodb has marshalled the input, so the field is not dropped.
      { step: 'initialize', name: 'tallyCapacityMeter', priority: 'low' },
    );
  }

  /** Zeroes the counts and meters every request from now on, until stop(). */
  start(): void {
    this.reset();
    this.metering = true;
  }

  /** Stops metering (the counts stay readable): requests go out as they were sent. */
  stop(): void {
    this.metering = false;
  }

  private reset(): void {
    this.requests = 0;
    this.writeUnits = 0;
    this.awsWriteUnits = 0;
    this.readUnits = 0;
    this.viewWriteUnits = 0;
    this.byCommand.clear();
  }

  private record(command: string, consumed: Consumed | Consumed[] | undefined, view = false): void {
    this.requests++;
    const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
    let units = 0;
    for (const entry of list)
      units += entry.CapacityUnits ?? (entry.WriteCapacityUnits ?? 0) + (entry.ReadCapacityUnits ?? 0);
    if (WRITES.has(command)) this.writeUnits += units;
    else this.readUnits += units;
    if (view) this.viewWriteUnits += units;
    const row = this.byCommand.get(command) ?? { requests: 0, units: 0 };
    row.requests++;
    row.units += units;
    this.byCommand.set(command, row);
  }
}

/** A wallet view's item (sort key VIEW#…), marshalled (after lib-dynamodb) or not. */
function isView(item: Record<string, unknown> | undefined): boolean {
  const sk = item?.sk as string | { S?: string } | undefined;
  return (typeof sk === 'string' ? sk : sk?.S)?.startsWith('VIEW#') === true;
}
