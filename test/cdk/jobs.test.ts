import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lib/wiring.ts';
import {
  actionsOf,
  expectTlsOnly,
  functionLogicalId,
  jobsQueuesOf,
  queuesOf,
  roleLogicalId,
  sendTargetsOf,
  specOf,
  synth,
  triggerOf,
  withSpec,
} from './support.ts';

describe('jobs queue', () => {
  const { stack, template } = synth();
  const { jobsQueueId, jobsDlqId } = jobsQueuesOf(stack);
  const trigger = triggerOf('run-jobs', 'jobs-queue');
  const consumerTimeout = specOf('run-jobs').timeoutSeconds;
  const resources = template.toJSON().Resources;

  it('is a standard, SQS-encrypted queue that redrives to its own DLQ after maxReceiveCount receives', () => {
    expect(resources[jobsQueueId].Properties).toEqual({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * consumerTimeout,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [jobsDlqId, 'Arn'] },
        maxReceiveCount: trigger.maxReceiveCount,
      },
    });
    expect(jobsDlqId).not.toBe(queuesOf(stack).dlqId);
  });

  it('stays a standard queue when the events queue is FIFO', () => {
    const fifo = synth({ fifo: true });
    const ids = jobsQueuesOf(fifo.stack);
    const fifoResources = fifo.template.toJSON().Resources;
    expect(fifoResources[ids.jobsQueueId].Properties.FifoQueue).toBeUndefined();
    expect(fifoResources[ids.jobsDlqId].Properties.FifoQueue).toBeUndefined();
  });

  it('has a visibility timeout of at least six times the slowest consumer timeout, following the wiring', () => {
    expect(resources[jobsQueueId].Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumerTimeout);
    const slower = synth({ functions: withSpec('run-jobs', (spec) => ({ ...spec, timeoutSeconds: 900 })) });
    expect(
      slower.template.toJSON().Resources[jobsQueuesOf(slower.stack).jobsQueueId].Properties.VisibilityTimeout,
    ).toBe(6 * 900);
  });

  it('has a DLQ that keeps messages 14 days, encrypted', () => {
    expect(resources[jobsDlqId].Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it.each([
    ['queue', jobsQueueId],
    ['DLQ', jobsDlqId],
  ])('the %s refuses plain-HTTP access', (_label, id) => expectTlsOnly(template, id));

  it('feeds run-jobs with partial batch failures and a concurrency cap', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [jobsQueueId, 'Arn'] } },
    });
    expect(Object.values(mappings).map((mapping) => mapping.Properties)).toEqual([
      {
        FunctionName: { Ref: functionLogicalId(stack, 'run-jobs') },
        EventSourceArn: { 'Fn::GetAtt': [jobsQueueId, 'Arn'] },
        BatchSize: trigger.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: trigger.maxConcurrency },
      },
    ]);
    expect(actionsOf(template, roleLogicalId(stack, 'run-jobs'))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
    );
  });

  it('lets replay, backtest and run-jobs send to it, and not corrections', () => {
    for (const name of ['replay', 'backtest', 'run-jobs']) {
      expect(sendTargetsOf(template, roleLogicalId(stack, name)), name).toEqual([jobsQueueId]);
    }
    expect(sendTargetsOf(template, roleLogicalId(stack, 'corrections'))).toEqual([]);
    expect(
      actionsOf(template, roleLogicalId(stack, 'corrections')).filter((a) => a.startsWith('sqs:')),
    ).toEqual([]);
  });

  it('is refused when a function sends to it and none consumes it, or its consumers disagree on the receive limit', () => {
    const noConsumer = FUNCTIONS.filter((spec) => spec.name !== 'run-jobs');
    expect(() => synth({ functions: noConsumer })).toThrow(
      /replay has sendsToJobsQueue, but no wiring function has a jobs-queue trigger/,
    );
    const disagreeing = withSpec('backtest', (spec) => ({
      ...spec,
      triggers: [{ ...trigger, maxReceiveCount: trigger.maxReceiveCount + 1 }],
    }));
    expect(() => synth({ functions: disagreeing })).toThrow(/one receive limit.*backtest.*run-jobs/);
  });

  it('is not created when nothing uses it', () => {
    const bare = synth({
      functions: FUNCTIONS.filter(
        (spec) => !spec.sendsToJobsQueue && !spec.triggers?.some((t) => t.kind === 'jobs-queue'),
      ),
    });
    expect(bare.stack.jobsQueue).toBeUndefined();
    expect(bare.stack.jobsDlq).toBeUndefined();
    expect(bare.stack.alarms.has('JobsDlq')).toBe(false);
    expect(Object.keys(bare.template.toJSON().Outputs)).not.toContain('JobsQueueUrl');
    expect(bare.stack.eventsQueue).toBeDefined();
  });
});
