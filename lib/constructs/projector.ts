import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { type FunctionSpec, TABLE, type TriggerSpec } from '../wiring.ts';
import { type DeadLetterAlarms, deadLetterQueue } from './alarms.ts';
import type { TallyFunction } from './tally-function.ts';

type TableStreamTrigger = Extract<TriggerSpec, { kind: 'table-stream' }>;

export interface ProjectorProps {
  table: dynamodb.Table;
  alarms: DeadLetterAlarms;
  removalPolicy: RemovalPolicy;
}

/**
 * The read-model side: the table's stream rings the projector's doorbell for new event items; the
 * projector reads the events from the store and brings the wallet views up to date.
 */
export class Projector extends Construct {
  private readonly props: ProjectorProps;

  constructor(scope: Construct, id: string, props: ProjectorProps) {
    super(scope, id);
    this.props = props;
  }

  addStreamTrigger(spec: FunctionSpec, fn: TallyFunction, trigger: TableStreamTrigger): void {
    // Records that still fail after the retries (and bisection) land here as pointers to the
    // shard range; the store still holds the events, so nothing is lost.
    const onFailure = deadLetterQueue(this, `${fn.node.id}StreamFailures`, {
      alarms: this.props.alarms,
      removalPolicy: this.props.removalPolicy,
      nagReason:
        'This queue is itself the on-failure destination (dead-letter) of an event source mapping; it needs no DLQ of its own.',
      alarmDescription: `Table-stream batches that ${spec.name} failed after its retries (replay them from the store)`,
    });
    fn.function.addEventSource(
      new DynamoEventSource(this.props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: trigger.batchSize,
        maxBatchingWindow: Duration.seconds(trigger.maxBatchingWindowSeconds),
        ...(trigger.parallelizationFactor === undefined
          ? {}
          : { parallelizationFactor: trigger.parallelizationFactor }),
        retryAttempts: trigger.retryAttempts,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        onFailure: new SqsDlq(onFailure),
        // Only new event items ring the doorbell; head, idempotency and read-model writes do not.
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual(trigger.filter.eventName),
            dynamodb: {
              Keys: { [TABLE.sortKey]: { S: lambda.FilterRule.beginsWith(trigger.filter.sortKeyPrefix) } },
            },
          }),
        ],
      }),
    );
    // ListStreams cannot be scoped to a stream ARN (AWS requires Resource "*").
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, added by the stream event source, only accepts Resource "*".',
    });
  }
}
