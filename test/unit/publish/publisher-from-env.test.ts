import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildPublisher } from '#adapters/eventbridge/publisher-from-env.ts';
import { CLOUD_EVENT_TYPES } from '#app/publish.ts';
import { published } from './fixtures.ts';

const eventBridge = mockClient(EventBridgeClient);
const kafkaApi = mockClient(KafkaClient);

describe('the publisher from its environment', () => {
  beforeEach(() => {
    eventBridge.reset();
    kafkaApi.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  });

  it('publishes to the bus the stack names, with the configured source', async () => {
    const publisher = buildPublisher({
      TALLY_EVENT_BUS_NAME: 'tally-dev',
      TALLY_EVENTS_SOURCE: 'tally/dev',
      AWS_REGION: 'eu-west-1',
    });
    expect(publisher.source).toBe('tally/dev');
    expect((await publisher.bus.publish([published('a')])).failed).toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.EventBusName).toBe(
      'tally-dev',
    );
  });

  it('refuses to start without a bus name', () => {
    expect(() => buildPublisher({})).toThrow(/TALLY_EVENT_BUS_NAME/);
  });

  it('sends only decision events to the MSK topic (none of the wallet events)', async () => {
    const publisher = buildPublisher({
      TALLY_EVENT_BUS_NAME: 'tally-dev',
      TALLY_MSK_CLUSTER_ARN: 'arn:aws:kafka:eu-west-1:1:cluster/c/u',
      TALLY_DECISIONS_TOPIC: 'decisions',
      AWS_REGION: 'eu-west-1',
    });
    expect((await publisher.bus.publish([published('a')])).failed).toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect(kafkaApi.commandCalls(GetBootstrapBrokersCommand)).toHaveLength(0);
  });

  it('loads the MSK bus on the first decision: its discovery runs then, and its failure fails only that decision', async () => {
    kafkaApi.on(GetBootstrapBrokersCommand).rejects(new Error('no cluster here'));
    const publisher = buildPublisher({
      TALLY_EVENT_BUS_NAME: 'tally-dev',
      TALLY_MSK_CLUSTER_ARN: 'arn:aws:kafka:eu-west-1:1:cluster/c/u',
      TALLY_DECISIONS_TOPIC: 'decisions',
      AWS_REGION: 'eu-west-1',
    });
    const decision = { ...published('d1'), type: CLOUD_EVENT_TYPES.authorizationDecided };
    const outcome = await publisher.bus.publish([published('a'), decision]);
    expect(outcome.failed).toEqual([expect.objectContaining({ id: 'd1', retryable: true })]);
    expect(kafkaApi.commandCalls(GetBootstrapBrokersCommand)).toHaveLength(1);
  });
});
