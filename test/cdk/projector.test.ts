import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lib/wiring.ts';
import {
  actionsOf,
  expectTlsOnly,
  functionLogicalId,
  functionOf,
  logicalId,
  onlyResourceId,
  roleLogicalId,
  synth,
} from './support.ts';

describe('stream projector', () => {
  const { stack, template } = synth();
  const streamed = FUNCTIONS.flatMap((spec) =>
    (spec.triggers ?? [])
      .filter((trigger) => trigger.kind === 'table-stream')
      .map((trigger) => ({ spec, trigger })),
  );
  const streamArn = { 'Fn::GetAtt': [logicalId(stack.table), 'StreamArn'] };

  it('maps the table stream to exactly the functions with a table-stream trigger', () => {
    const mapped = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { EventSourceArn: streamArn },
      }),
    ).map((mapping) => mapping.Properties.FunctionName.Ref);
    expect(mapped.sort()).toEqual(streamed.map(({ spec }) => functionLogicalId(stack, spec.name)).sort());
    expect(mapped).toContain(functionLogicalId(stack, 'project-streams'));
  });

  it('runs the projector with no batching window and 4 batches per shard at once (lag at saturation)', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionLogicalId(stack, 'project-streams') },
      MaximumBatchingWindowInSeconds: 0,
      ParallelizationFactor: 4,
    });
  });

  it.each(streamed.map(({ spec, trigger }) => [spec.name, trigger] as const))(
    '%s reads the table stream filtered to new EVENT# items, with partial batch failures and an encrypted DLQ',
    (name, trigger) => {
      const failuresId = onlyResourceId(
        template,
        'AWS::SQS::Queue',
        `${functionOf(stack, name).node.id}StreamFailures`,
      );
      expect(template.toJSON().Resources[failuresId].Properties).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: functionLogicalId(stack, name) },
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: trigger.batchSize,
        MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
        ParallelizationFactor: trigger.parallelizationFactor ?? Match.absent(),
        MaximumRetryAttempts: trigger.retryAttempts,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failuresId, 'Arn'] } } },
        FilterCriteria: {
          Filters: [
            {
              Pattern: Match.serializedJson({
                eventName: ['INSERT'],
                dynamodb: { Keys: { sk: { S: [{ prefix: 'EVENT#' }] } } },
              }),
            },
          ],
        },
      });
      expectTlsOnly(template, failuresId);
      expect(actionsOf(template, roleLogicalId(stack, name))).toEqual(
        expect.arrayContaining(['sqs:SendMessage', 'dynamodb:GetRecords', 'dynamodb:DescribeStream']),
      );
    },
  );
});
