import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import type { TallyStack } from '../../lib/tally-stack.ts';
import { FUNCTIONS } from '../../lib/wiring.ts';
import {
  actionList,
  actionsOf,
  expectTlsOnly,
  functionLogicalId,
  jobsQueuesOf,
  logicalId,
  MSK,
  onlyResourceId,
  queuesOf,
  roleLogicalId,
  type Statement,
  sendTargetsOf,
  specOf,
  statementsOf,
  synth,
  triggerOf,
  withSpec,
} from './support.ts';

describe('events queue', () => {
  const { stack, template } = synth();
  const { queueId, dlqId } = queuesOf(stack);
  const trigger = triggerOf('ingest-queue', 'events-queue');
  const consumerTimeout = specOf('ingest-queue').timeoutSeconds;
  const resources = template.toJSON().Resources;

  it('is a standard, SQS-encrypted queue that redrives to the DLQ after maxReceiveCount receives', () => {
    expect(resources[queueId].Properties).toEqual({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * consumerTimeout + trigger.maxBatchingWindowSeconds,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: trigger.maxReceiveCount,
      },
    });
  });

  it('has a visibility timeout of at least six times the consumer timeout, following the wiring', () => {
    expect(resources[queueId].Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumerTimeout);
    const slower = synth({
      functions: withSpec('ingest-queue', (spec) => ({ ...spec, timeoutSeconds: 60 })),
    });
    slower.template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 60 + trigger.maxBatchingWindowSeconds,
    });
  });

  it('has a DLQ that keeps messages 14 days, encrypted', () => {
    expect(resources[dlqId].Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it.each([
    ['queue', queueId],
    ['DLQ', dlqId],
  ])('the %s refuses plain-HTTP access', (_label, id) => expectTlsOnly(template, id));

  it('feeds ingest-queue in batches with partial batch failures and a concurrency cap', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    });
    expect(Object.values(mappings).map((mapping) => mapping.Properties)).toEqual([
      {
        FunctionName: { Ref: functionLogicalId(stack, 'ingest-queue') },
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        BatchSize: trigger.batchSize,
        MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: trigger.maxConcurrency },
      },
    ]);
    expect(actionsOf(template, roleLogicalId(stack, 'ingest-queue'))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
  });

  it('lets only events (and redrive) send to the queue, only the ingest functions send to the DLQ, and only the job functions (and redrive) send to the jobs queue', () => {
    const withMsk = synth({ msk: MSK });
    const ids = queuesOf(withMsk.stack);
    const { jobsQueueId } = jobsQueuesOf(withMsk.stack);
    const streamFailures = onlyResourceId(
      withMsk.template,
      'AWS::SQS::Queue',
      'ProjectStreamsStreamFailures',
    );
    const kafkaFailures = onlyResourceId(withMsk.template, 'AWS::SQS::Queue', 'IngestKafkaKafkaFailures');
    const publishFailures = onlyResourceId(
      withMsk.template,
      'AWS::SQS::Queue',
      'PublishEventsStreamFailures',
    );
    const expected: Record<string, string[]> = {
      events: [ids.queueId],
      'ingest-queue': [ids.dlqId],
      // Its own handler's poison records, and the mapping's failed batches.
      'ingest-kafka': [ids.dlqId, kafkaFailures].sort(),
      'project-streams': [streamFailures],
      'publish-events': [publishFailures],
      replay: [jobsQueueId],
      backtest: [jobsQueueId],
      'run-jobs': [jobsQueueId],
      // Redrive: parked messages back to the queues they came from.
      'dead-letters': [ids.queueId, jobsQueueId].sort(),
    };
    for (const spec of FUNCTIONS) {
      expect(sendTargetsOf(withMsk.template, roleLogicalId(withMsk.stack, spec.name)), spec.name).toEqual(
        expected[spec.name] ?? [],
      );
    }
    // No policy outside the function roles sends anywhere.
    const sendingPolicies = Object.values(withMsk.template.findResources('AWS::IAM::Policy')).filter(
      (policy) =>
        (policy.Properties.PolicyDocument.Statement as Statement[]).some((statement) =>
          actionList(statement).includes('sqs:SendMessage'),
        ),
    );
    expect(sendingPolicies).toHaveLength(Object.keys(expected).length);
  });

  it('is refused when the wiring gives it two consumers, or a sender and no consumer', () => {
    const twoConsumers = withSpec('rules', (spec) => ({ ...spec, triggers: [trigger] }));
    expect(() => synth({ functions: twoConsumers })).toThrow(/one consumer.*ingest-queue, rules/);
    const noConsumer = FUNCTIONS.filter((spec) => spec.name !== 'ingest-queue');
    expect(() => synth({ functions: noConsumer })).toThrow(/events has sendsToEventsQueue/);
  });

  it('is not created when nothing uses it', () => {
    const bare = synth({
      functions: FUNCTIONS.filter(
        (spec) =>
          !spec.sendsToEventsQueue &&
          !spec.sendsToEventsDlq &&
          !spec.triggers?.some((t) => t.kind === 'events-queue'),
      ),
    });
    expect(bare.stack.eventsQueue).toBeUndefined();
    expect(bare.stack.eventsDlq).toBeUndefined();
    // What is left: the stream triggers' failure queues, and the jobs queue with its DLQ.
    expect(Object.keys(bare.template.findResources('AWS::SQS::Queue')).sort()).toEqual(
      [
        onlyResourceId(bare.template, 'AWS::SQS::Queue', 'ProjectStreamsStreamFailures'),
        onlyResourceId(bare.template, 'AWS::SQS::Queue', 'PublishEventsStreamFailures'),
        ...Object.values(jobsQueuesOf(bare.stack)),
      ].sort(),
    );
    expect(Object.keys(bare.template.toJSON().Outputs)).not.toContain('EventsQueueUrl');
  });
});

describe('FIFO events queue (fifo: true)', () => {
  const { stack, template } = synth({ fifo: true });
  const { queueId, dlqId } = queuesOf(stack);
  const trigger = triggerOf('ingest-queue', 'events-queue');
  const resources = template.toJSON().Resources;
  const fifoProperties = {
    FifoQueue: true,
    ContentBasedDeduplication: false,
    DeduplicationScope: 'messageGroup',
    FifoThroughputLimit: 'perMessageGroupId',
  };

  it('makes the queue and its DLQ FIFO, without content-based deduplication', () => {
    expect(resources[queueId].Properties).toMatchObject({
      ...fifoProperties,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 30,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: trigger.maxReceiveCount,
      },
    });
    expect(resources[dlqId].Properties).toMatchObject({
      ...fifoProperties,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('maps it without a batching window (FIFO sources take none)', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: trigger.batchSize,
      MaximumBatchingWindowInSeconds: Match.absent(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: trigger.maxConcurrency },
    });
  });

  it('refuses batches over 10', () => {
    const big = withSpec('ingest-queue', (spec) => ({ ...spec, triggers: [{ ...trigger, batchSize: 50 }] }));
    expect(() => synth({ fifo: true, functions: big })).toThrow(/at most 10/);
  });

  it('is off by default', () => {
    for (const queue of Object.values(synth().template.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties.FifoQueue).toBeUndefined();
    }
  });
});

describe('MSK event source', () => {
  const trigger = triggerOf('ingest-kafka', 'kafka');

  it('is off by default: no ingest-kafka function, no Kafka mapping, no Kafka permission', () => {
    const { stack, template } = synth();
    expect(stack.msk).toBeUndefined();
    expect(stack.functions.has('ingest-kafka')).toBe(false);
    expect(
      template.findResources('AWS::Lambda::EventSourceMapping', { Properties: { Topics: Match.anyValue() } }),
    ).toEqual({});
    // The mappings left are the events queue, the jobs queue and the table stream (projector, publisher).
    const sources = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((mapping) =>
      mapping.Properties.EventSourceArn['Fn::GetAtt'].join('.'),
    );
    expect(sources.sort()).toEqual(
      [
        `${queuesOf(stack).queueId}.Arn`,
        `${jobsQueuesOf(stack).jobsQueueId}.Arn`,
        `${logicalId(stack.table)}.StreamArn`,
        `${logicalId(stack.table)}.StreamArn`,
      ].sort(),
    );
    expect(JSON.stringify(template.toJSON())).not.toMatch(/kafka/i);
  });

  function expectKafkaMapping(stack: TallyStack, template: Template): void {
    const failuresId = onlyResourceId(template, 'AWS::SQS::Queue', 'IngestKafkaKafkaFailures');
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { Topics: Match.anyValue() },
    });
    expect(Object.values(mappings).map((mapping) => mapping.Properties)).toEqual([
      {
        FunctionName: { Ref: functionLogicalId(stack, 'ingest-kafka') },
        EventSourceArn: MSK.clusterArn,
        Topics: [MSK.topic],
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: trigger.batchSize,
        MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'Tally-ingest-kafka' },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failuresId, 'Arn'] } } },
      },
    ]);
  }

  it('reads the topic from the oldest record when given a cluster ARN and topic', () => {
    const { stack, template } = synth({ msk: MSK });
    expect(stack.msk).toEqual(MSK);
    expectKafkaMapping(stack, template);
  });

  it('also takes the cluster ARN and topic from the context', () => {
    const { stack, template } = synth({}, { mskClusterArn: MSK.clusterArn, mskTopic: MSK.topic });
    expect(stack.functions.has('ingest-kafka')).toBe(true);
    expectKafkaMapping(stack, template);
  });

  it('may read only its topic and commit only its consumer group', () => {
    const { stack, template } = synth({ msk: MSK });
    const inCluster = (kind: string, name: string) =>
      `${MSK.clusterArn.replace(':cluster/', `:${kind}/`)}/${name}`;
    const statements = statementsOf(template, roleLogicalId(stack, 'ingest-kafka'));
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
          Resource: MSK.clusterArn,
        }),
        expect.objectContaining({
          Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
          Resource: inCluster('topic', MSK.topic),
        }),
        expect.objectContaining({
          Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          Resource: inCluster('group', 'Tally-ingest-kafka'),
        }),
      ]),
    );
    const kafkaStatements = statements.filter((statement) =>
      actionList(statement).some((action) => action.startsWith('kafka')),
    );
    for (const statement of kafkaStatements) expect(statement.Resource).not.toBe('*');
  });

  it('refuses half a configuration or a malformed ARN or topic', () => {
    expect(() => synth({}, { mskClusterArn: MSK.clusterArn })).toThrow(/set both/);
    expect(() => synth({ msk: { ...MSK, clusterArn: 'arn:aws:sqs:eu-west-1:123456789012:tally' } })).toThrow(
      /MSK cluster ARN/,
    );
    expect(() => synth({ msk: { ...MSK, topic: 'no spaces' } })).toThrow(/MSK topic/);
  });
});
