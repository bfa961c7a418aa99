import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { TallyStack } from '../../lib/tally-stack.ts';
import {
  JWT,
  jobsQueuesOf,
  logicalId,
  MSK,
  newApp,
  onlyResourceId,
  projectRoot,
  queuesOf,
  synth,
} from './support.ts';

const dlqAlarm = (queueId: string) => ({
  Namespace: 'AWS/SQS',
  MetricName: 'ApproximateNumberOfMessagesVisible',
  Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
  Statistic: 'Maximum',
  Period: 300,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  EvaluationPeriods: 1,
  DatapointsToAlarm: 1,
  TreatMissingData: 'ignore',
});

/** The queue each alarm watches, by logical id. */
function watchedQueues(template: Template): string[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .map((alarm) => alarm.Properties.Dimensions[0].Value['Fn::GetAtt'][0] as string)
    .sort();
}

describe('dead-letter alarms', () => {
  it('alarm on the events DLQ, the jobs DLQ and the stream failure queues, and on nothing else', () => {
    const { stack, template } = synth();
    const { dlqId } = queuesOf(stack);
    const { jobsDlqId } = jobsQueuesOf(stack);
    const streamFailures = onlyResourceId(template, 'AWS::SQS::Queue', 'ProjectStreamsStreamFailures');
    const publishFailures = onlyResourceId(template, 'AWS::SQS::Queue', 'PublishEventsStreamFailures');
    const watched = [dlqId, jobsDlqId, streamFailures, publishFailures];
    expect(watchedQueues(template)).toEqual(watched.sort());
    for (const queueId of watched) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', dlqAlarm(queueId));
    }
    expect([...stack.alarms.keys()].sort()).toEqual([
      'EventsDlq',
      'JobsDlq',
      'ProjectStreamsStreamFailures',
      'PublishEventsStreamFailures',
    ]);
    for (const [id, alarm] of stack.alarms) {
      template.hasOutput(`${id}AlarmName`, { Value: { Ref: logicalId(alarm) } });
    }
  });

  it('alarm on the Kafka failure queue too when MSK is on', () => {
    const { stack, template } = synth({ msk: MSK });
    const kafkaFailures = onlyResourceId(template, 'AWS::SQS::Queue', 'IngestKafkaKafkaFailures');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', dlqAlarm(kafkaFailures));
    expect(watchedQueues(template)).toContain(kafkaFailures);
    expect(stack.alarms.has('IngestKafkaKafkaFailures')).toBe(true);
  });

  it('notify the alarm actions an operator passes, and have none otherwise', () => {
    const app = newApp();
    const topics = new Stack(app, 'Topics');
    const action: IAlarmAction = new SnsAction(new Topic(topics, 'OnCall'));
    const stack = new TallyStack(app, 'Tally', { projectRoot, auth: JWT, alarmActions: [action] });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    for (const alarm of Object.values(synth().template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
  });
});
