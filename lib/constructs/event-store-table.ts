import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { type FunctionSpec, TABLE } from '../wiring.ts';

export interface EventStoreTableProps {
  /** RETAIN also turns on deletion protection; DESTROY is for throwaway dev stacks. */
  removalPolicy: RemovalPolicy;
}

/**
 * Item actions a function limited to some partitions may use. Scan is left out on purpose: a Scan
 * names no partition, so a `dynamodb:LeadingKeys` condition would not hold it to one.
 */
const PARTITION_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;
const PARTITION_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * The event-store table: one single table (pk/sk) for events, idempotency records, read models,
 * rule sets and job items, with a new-image stream as the projectors' doorbell.
 */
export class EventStoreTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: EventStoreTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'EventStore', {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // The stream is a doorbell that carries the event: an event item is written once, so the
      // new image of its INSERT is the committed event, which the projector and the outbox relay
      // use instead of reading it back; on a gap they read the table (lib/table-spec.ts TABLE).
      stream: dynamodb.StreamViewType[streamViewTypeFromContext(this)],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Job reports expire (JOB_RETENTION_DAYS); the stream's REMOVE records wake no projector.
      timeToLiveAttribute: TABLE.timeToLiveAttribute,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });
  }

  /**
   * Grants exactly the access the wiring declares: nothing for `none`, no write action for `read`,
   * and for a function held to some partitions only item actions on those (`dynamodb:LeadingKeys`).
   */
  grantAccess(spec: Pick<FunctionSpec, 'tableAccess' | 'tablePartitions'>, role: iam.IRole): void {
    const partitions = spec.tablePartitions;
    switch (spec.tableAccess) {
      case 'none':
        return;
      case 'read':
        if (partitions === undefined) this.table.grantReadData(role);
        else this.grantInPartitions(role, PARTITION_READ_ACTIONS, partitions);
        return;
      case 'read-write':
        if (partitions === undefined) this.table.grantReadWriteData(role);
        else
          this.grantInPartitions(role, [...PARTITION_READ_ACTIONS, ...PARTITION_WRITE_ACTIONS], partitions);
        return;
      default: {
        const unknownAccess: never = spec.tableAccess;
        throw new Error(`unknown tableAccess ${String(unknownAccess)}`);
      }
    }
  }

  private grantInPartitions(
    role: iam.IRole,
    actions: readonly string[],
    partitions: readonly string[],
  ): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [this.table.tableArn],
        // ForAllValues: every partition key the request touches (each item of a batch or
        // transaction) must be one of these.
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...partitions] } },
      }),
    );
  }
}

/**
 * `-c streamViewType=KEYS_ONLY` keeps a table deployed before the stream carried images on its
 * keys-only stream: changing a table's stream view type replaces its stream, and what is written
 * during the switch is on neither stream (docs/deploying.md, "Changing the stream view type of a deployed table"). The functions
 * work on either: a record without an image is read from the table, as before.
 */
export function streamViewTypeFromContext(scope: Construct): 'KEYS_ONLY' | 'NEW_IMAGE' {
  const value: unknown = scope.node.tryGetContext('streamViewType');
  if (value === undefined || value === '') return TABLE.streamViewType;
  if (value === 'KEYS_ONLY' || value === 'NEW_IMAGE') return value;
  throw new Error(`context streamViewType must be KEYS_ONLY or NEW_IMAGE, got ${String(value)}`);
}
