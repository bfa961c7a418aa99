import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { fanOut, isDecisionEvent } from '#app/publish.ts';
import { type EventBus, failedAll, type PublishedEvent } from '#ports/event-bus.ts';
import { EventBridgeBus } from './event-bus.ts';

/** The publisher's environment (the stack sets these on the publish-events function). */
export const PUBLISHER_ENV = {
  /** The EventBridge bus the stack creates. */
  eventBusName: 'TALLY_EVENT_BUS_NAME',
  /** The CloudEvent `source`, e.g. `tally/prod`. */
  eventsSource: 'TALLY_EVENTS_SOURCE',
  /** With the topic, decisions also go to MSK (`-c mskClusterArn=…`). */
  mskClusterArn: 'TALLY_MSK_CLUSTER_ARN',
  decisionsTopic: 'TALLY_DECISIONS_TOPIC',
} as const;

let built: { bus: EventBus; source: string } | undefined;

/** The bus (EventBridge, plus the MSK decisions topic when configured) and source, built once per container. */
export function publisherFromEnv(env: NodeJS.ProcessEnv = process.env): { bus: EventBus; source: string } {
  built ??= buildPublisher(env);
  return built;
}

/** The publisher's bus and source from an environment (not cached: for tests and one-off tools). */
export function buildPublisher(env: NodeJS.ProcessEnv): { bus: EventBus; source: string } {
  const eventBusName = env[PUBLISHER_ENV.eventBusName];
  if (eventBusName === undefined || eventBusName === '') {
    throw new Error(`${PUBLISHER_ENV.eventBusName} is not set: the stack passes the bus it creates`);
  }
  const region = env.AWS_REGION ?? 'us-east-1';
  const buses: Array<{ bus: EventBus; accepts?: (event: PublishedEvent) => boolean }> = [
    { bus: new EventBridgeBus({ client: new EventBridgeClient({ region }), eventBusName }) },
  ];
  const clusterArn = env[PUBLISHER_ENV.mskClusterArn];
  const topic = env[PUBLISHER_ENV.decisionsTopic];
  if (clusterArn && topic) {
    buses.push({
      bus: loadedOnFirstPublish(async () => {
        const [{ KafkaClient }, { mskDecisionsBus }] = await Promise.all([
          import('@aws-sdk/client-kafka'),
          import('../kafka/decisions-producer.ts'),
        ]);
        return mskDecisionsBus({ kafkaClient: new KafkaClient({ region }), clusterArn, topic, region });
      }),
      accepts: isDecisionEvent,
    });
  }
  const [only] = buses;
  return {
    bus: buses.length === 1 && only !== undefined ? only.bus : fanOut(buses),
    source: env[PUBLISHER_ENV.eventsSource] ?? 'tally',
  };
}

/**
 * A bus whose code is loaded on its first publish. The MSK decisions bus needs the Kafka
 * management client (a second AWS SDK client, 20–40 ms to load) and the producer module: a
 * publisher without the topic configured, and every cold start before the first decision, loads
 * neither. A failed load fails that publish's events (retryable, as a broker outage would) and is
 * tried again on the next.
 */
function loadedOnFirstPublish(load: () => Promise<EventBus>): EventBus {
  let loading: Promise<EventBus> | undefined;
  return {
    async publish(events) {
      loading ??= load().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      let bus: EventBus;
      try {
        bus = await loading;
      } catch (error) {
        return { failed: failedAll(events, error) };
      }
      return bus.publish(events);
    },
  };
}
