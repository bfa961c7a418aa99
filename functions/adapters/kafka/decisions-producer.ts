import { GetBootstrapBrokersCommand, type KafkaClient } from '@aws-sdk/client-kafka';
import type { Kafka, KafkaConfig, Message, Producer } from 'kafkajs';
import {
  CLOUDEVENTS_JSON,
  cloudEventJson,
  type EventBus,
  failedAll,
  type PublishedEvent,
  type PublishFailure,
} from '#ports/event-bus.ts';

/**
 * Decisions to an MSK topic, for deployments that run Kafka (`-c mskClusterArn=… -c
 * decisionsTopic=…`). The brokers come from the cluster (GetBootstrapBrokers), the producer
 * authenticates with IAM (SASL OAUTHBEARER with a token from aws-msk-iam-sasl-signer-js, over
 * TLS), and every record is keyed by the CloudEvent subject — the account id — so one account's
 * decisions land in one partition, in order.
 *
 * kafkajs is the client: @platformatic/kafka 2.x needs Node 22 and Tally runs on Node 20.
 * No broker runs where the tests run: they check the discovery call, the SASL configuration and
 * the records handed to the producer through kafkajs's own `Producer` interface.
 */

/** The IAM (SASL) bootstrap brokers of an MSK cluster, `host:port` each. */
export async function mskBootstrapBrokers(client: KafkaClient, clusterArn: string): Promise<string[]> {
  const output = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  // Serverless clusters and provisioned ones in a VPC answer the first; public access the second.
  const brokers = output.BootstrapBrokerStringSaslIam ?? output.BootstrapBrokerStringPublicSaslIam;
  if (brokers === undefined || brokers.trim() === '') {
    throw new Error(`MSK cluster ${clusterArn} has no IAM-authenticated brokers (is IAM access control on?)`);
  }
  return brokers
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
}

/** Signs an MSK IAM token for the region (the signer uses the default credential chain). */
export type MskTokenSigner = (region: string) => Promise<{ token: string }>;

/**
 * The Kafka client and the MSK signer are loaded on first use, never at cold start: they are kept
 * out of the bundle (lib/constructs/bundling.ts, OPTIONAL_MODULES) and shipped beside it only for
 * the function that publishes, so a deployment without MSK never loads them.
 */
const signWithDefaultCredentials: MskTokenSigner = async (region) =>
  (await import('aws-msk-iam-sasl-signer-js')).generateAuthToken({ region });

/** The kafkajs configuration for MSK with IAM: TLS, SASL OAUTHBEARER, a fresh token on each (re)connect. */
export function mskIamKafkaConfig(options: {
  brokers: string[];
  region: string;
  clientId: string;
  sign?: MskTokenSigner;
}): KafkaConfig {
  const sign = options.sign ?? signWithDefaultCredentials;
  return {
    clientId: options.clientId,
    brokers: options.brokers,
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: (await sign(options.region)).token }),
    },
  };
}

/** One CloudEvent as a Kafka record, structured JSON mode of the CloudEvents Kafka binding. */
export function toKafkaMessage(event: PublishedEvent): Message {
  return {
    key: event.subject,
    value: cloudEventJson(event),
    headers: { 'content-type': CLOUDEVENTS_JSON },
  };
}

/** Kafka's default `message.max.bytes` (MSK keeps it unless the cluster configuration raises it). */
export const KAFKA_MESSAGE_BYTES_MAX = 1_000_000;

export interface KafkaDecisionsBusOptions {
  topic: string;
  /** Records larger than this are refused before sending (a broker would refuse them every time). @default 1 MB */
  messageBytesMax?: number;
  /** Made on the first publish and kept for the life of the process (a Lambda container). */
  producer: () => Promise<Pick<Producer, 'connect' | 'send'>>;
}

/**
 * A Kafka topic as an EventBus. A send is all or nothing for kafkajs, so a failure fails every
 * event of the call (the stream retries them; consumers dedupe by CloudEvent id).
 */
export class KafkaDecisionsBus implements EventBus {
  private connected: Promise<Pick<Producer, 'connect' | 'send'>> | undefined;

  constructor(private readonly options: KafkaDecisionsBusOptions) {}

  async publish(events: readonly PublishedEvent[]) {
    const bytesMax = this.options.messageBytesMax ?? KAFKA_MESSAGE_BYTES_MAX;
    const tooLarge: PublishFailure[] = [];
    const sendable: Array<{ event: PublishedEvent; message: Message }> = [];
    for (const event of events) {
      const message = toKafkaMessage(event);
      const size = Buffer.byteLength(String(message.value)) + Buffer.byteLength(event.subject);
      if (size > bytesMax) {
        tooLarge.push({
          id: event.id,
          code: 'MessageTooLarge',
          message: `${size} bytes, more than ${bytesMax}`,
          retryable: false,
        });
      } else {
        sendable.push({ event, message });
      }
    }
    if (sendable.length === 0) return { failed: tooLarge };
    try {
      const producer = await this.producer();
      // acks -1: every in-sync replica has the record before it counts as published.
      await producer.send({
        topic: this.options.topic,
        acks: -1,
        messages: sendable.map(({ message }) => message),
      });
      return { failed: tooLarge };
    } catch (error) {
      // A broken connection is made again on the next publish.
      this.connected = undefined;
      return {
        failed: [
          ...tooLarge,
          ...failedAll(
            sendable.map(({ event }) => event),
            error,
          ),
        ],
      };
    }
  }

  private producer() {
    this.connected ??= this.options.producer().then(async (producer) => {
      await producer.connect();
      return producer;
    });
    return this.connected;
  }
}

/** Everything from the cluster ARN: discover the brokers, then a kafkajs producer with IAM auth. */
export function mskDecisionsBus(options: {
  kafkaClient: KafkaClient;
  clusterArn: string;
  topic: string;
  region: string;
  clientId?: string;
  sign?: MskTokenSigner;
  /** Seam for tests: how a kafkajs client is made from its configuration. */
  createKafka?: (config: KafkaConfig) => Pick<Kafka, 'producer'>;
}): KafkaDecisionsBus {
  return new KafkaDecisionsBus({
    topic: options.topic,
    producer: async () => {
      const brokers = await mskBootstrapBrokers(options.kafkaClient, options.clusterArn);
      const config = mskIamKafkaConfig({
        brokers,
        region: options.region,
        clientId: options.clientId ?? 'tally-publisher',
        ...(options.sign === undefined ? {} : { sign: options.sign }),
      });
      // The Java client's partitioner (murmur2 of the key): a Java or Go consumer's view of which
      // partition holds an account agrees with ours.
      const kafkajs = await import('kafkajs');
      const createKafka = options.createKafka ?? ((settings: KafkaConfig) => new kafkajs.Kafka(settings));
      return createKafka(config).producer({
        allowAutoTopicCreation: false,
        createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      });
    },
  });
}
