import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PUBLISHER_ENV } from '../../functions/adapters/eventbridge/publisher-from-env.ts';
import { ENV, FUNCTIONS } from '../../lib/wiring.ts';
import {
  actionList,
  actionsOf,
  functionLogicalId,
  logicalId,
  roleLogicalId,
  statementsOf,
  synth,
  WITHOUT_MSK,
} from './support.ts';

const CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/cards/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2';

describe('the publisher (stream as outbox → EventBridge)', () => {
  const { stack, template } = synth();
  const busId = logicalId(stack.eventBus);
  const busArn = { 'Fn::GetAtt': [busId, 'Arn'] };

  it('uses the same environment names as the publisher adapter', () => {
    expect({
      eventBusName: ENV.eventBusName,
      eventsSource: ENV.eventsSource,
      mskClusterArn: ENV.mskClusterArn,
      decisionsTopic: ENV.decisionsTopic,
    }).toEqual(PUBLISHER_ENV);
  });

  it('creates one event bus and outputs its name and ARN', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasOutput('EventBusName', { Value: { Ref: busId } });
    template.hasOutput('EventBusArn', { Value: busArn });
  });

  it('grants PutEvents on exactly the bus to publish-events and run-jobs (re-publish jobs), and to no other function', () => {
    const publishers: string[] = [];
    for (const spec of WITHOUT_MSK) {
      const statements = statementsOf(template, roleLogicalId(stack, spec.name)).filter((statement) =>
        actionList(statement).some((action) => action.startsWith('events:')),
      );
      if (statements.length === 0) continue;
      publishers.push(spec.name);
      expect(statements).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }]);
    }
    expect(publishers.sort()).toEqual(['publish-events', 'run-jobs']);
    expect(FUNCTIONS.filter((spec) => spec.publishesEvents === true).map((spec) => spec.name)).toEqual([
      'publish-events',
    ]);
    expect(FUNCTIONS.filter((spec) => spec.republishesEvents === true).map((spec) => spec.name)).toEqual([
      'run-jobs',
    ]);
  });

  it('gives run-jobs the same bus name and source as publish-events, so a re-published event is the same CloudEvent', () => {
    const variables = (name: string) => {
      const fn = template.toJSON().Resources[functionLogicalId(stack, name)];
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      return { bus: env[ENV.eventBusName], source: env[ENV.eventsSource] };
    };
    expect(variables('run-jobs')).toEqual(variables('publish-events'));
    expect(variables('run-jobs')).toEqual({ bus: { Ref: busId }, source: 'tally/Tally' });
  });

  it('gives publish-events the bus name and source, read-only table access, and no kafka rights by default', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.eventBusName]: { Ref: busId },
          [ENV.eventsSource]: 'tally/Tally',
        }),
      },
    });
    const actions = actionsOf(template, roleLogicalId(stack, 'publish-events'));
    expect(actions.filter((action) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(action))).toEqual([]);
    expect(actions).toContain('dynamodb:Query');
    expect(actions.filter((action) => action.startsWith('kafka'))).toEqual([]);
  });

  it('reads the table stream with its own filtered mapping, separate from the projector, and retries long', () => {
    const streamArn = { 'Fn::GetAtt': [logicalId(stack.table), 'StreamArn'] };
    const mappings = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { EventSourceArn: streamArn },
      }),
    );
    expect(mappings).toHaveLength(2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionLogicalId(stack, 'publish-events') },
      EventSourceArn: streamArn,
      MaximumRetryAttempts: 100,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
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
  });

  it('with -c mskClusterArn and -c decisionsTopic: the kafka rights on that topic, and its env', () => {
    const withMsk = synth({}, { mskClusterArn: CLUSTER, decisionsTopic: 'decisions' });
    const statements = statementsOf(withMsk.template, roleLogicalId(withMsk.stack, 'publish-events'));
    const resourcesOf = (action: string) =>
      statements.filter((statement) => actionList(statement).includes(action)).map((s) => s.Resource);
    expect(resourcesOf('kafka:GetBootstrapBrokers')).toEqual([CLUSTER]);
    expect(resourcesOf('kafka-cluster:Connect')).toEqual([CLUSTER]);
    const topic =
      'arn:aws:kafka:eu-west-1:123456789012:topic/cards/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2/decisions';
    expect(resourcesOf('kafka-cluster:WriteData')).toEqual([topic]);
    expect(resourcesOf('kafka-cluster:DescribeTopic')).toEqual([topic]);
    // A re-published decision goes to the topic too: run-jobs gets the same rights.
    const jobRunner = statementsOf(withMsk.template, roleLogicalId(withMsk.stack, 'run-jobs'));
    expect(jobRunner.filter((statement) => actionList(statement).some((a) => a.startsWith('kafka')))).toEqual(
      statements.filter((statement) => actionList(statement).some((a) => a.startsWith('kafka'))),
    );
    withMsk.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [ENV.mskClusterArn]: CLUSTER, [ENV.decisionsTopic]: 'decisions' }),
      },
    });
    // Only the decisions path: no kafka-reading function or mapping appears.
    const mappings = (t: typeof template) =>
      Object.keys(t.findResources('AWS::Lambda::EventSourceMapping')).length;
    expect(mappings(withMsk.template)).toBe(mappings(template));
    expect(withMsk.stack.functions.has('ingest-kafka')).toBe(false);
  });

  it('refuses a decisions topic without a cluster', () => {
    expect(() => synth({}, { decisionsTopic: 'decisions' })).toThrow(/mskClusterArn/);
  });
});
