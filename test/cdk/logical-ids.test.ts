import { describe, expect, it } from 'vitest';
import { MSK, synth } from './support.ts';

/**
 * The logical ids the stateful and wired resources had when the stack was one flat file. Grouping
 * the stack into constructs must not change them: a new logical id for the table is a new, empty
 * table; for a queue, lost messages; for an event-source mapping, a duplicate mapping.
 */
const BEFORE_THE_SPLIT = {
  'AWS::DynamoDB::Table': ['EventStore165FCE28'],
  'AWS::SQS::Queue': [
    'EventsDlqACDA5DFF',
    'EventsQueueB96EB0D2',
    'IngestKafkaKafkaFailures56B086F0',
    'JobsDlqB53173A1',
    'JobsQueue86ED6666',
    'ProjectStreamsStreamFailures124E5B84',
  ],
  'AWS::Lambda::EventSourceMapping': [
    'IngestKafkaFunctionKafkaEventSourceTallyIngestKafkaFunction9B6FA4B9tallyeventsAC2F8047',
    'IngestQueueFunctionSqsEventSourceTallyEventsQueue84AAF744C390906F',
    'ProjectStreamsFunctionDynamoDBEventSourceTallyEventStore20500CD69F3957D9',
    'RunJobsFunctionSqsEventSourceTallyJobsQueue58855BD63BA314E5',
  ],
  'AWS::CloudWatch::Alarm': [
    'EventsDlqAlarm6E127A7F',
    'IngestKafkaKafkaFailuresAlarm5DF2573D',
    'JobsDlqAlarmD8B82FA4',
    'ProjectStreamsStreamFailuresAlarm9677F130',
  ],
  'AWS::ApiGatewayV2::Api': ['HttpApiF5A9A8A7'],
  'AWS::ApiGatewayV2::Stage': ['HttpApiDefaultStage3EEB07D6'],
  'AWS::Logs::LogGroup': ['ApiAccessLogsE9DF007D', 'DepositLogGroup1BC758FE', 'RulesLogGroup92F5DABD'],
} as const;

describe('logical ids', () => {
  const { template } = synth({ msk: MSK });

  it.each(Object.entries(BEFORE_THE_SPLIT))('%s resources keep the ids of the flat stack', (type, ids) => {
    const present = Object.keys(template.findResources(type));
    expect(present).toEqual(expect.arrayContaining([...ids]));
    if (type === 'AWS::Logs::LogGroup') return;
    // Added after the split: only the publisher's own resources are new.
    const added = present.filter((id) => !(ids as readonly string[]).includes(id));
    expect(added.filter((id) => !id.startsWith('PublishEvents'))).toEqual([]);
  });
});
