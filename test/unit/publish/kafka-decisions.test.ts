import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { mockClient } from 'aws-sdk-client-mock';
import { Kafka, type KafkaConfig, Partitioners, type ProducerRecord } from 'kafkajs';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  KafkaDecisionsBus,
  mskBootstrapBrokers,
  mskDecisionsBus,
  mskIamKafkaConfig,
} from '#adapters/kafka/decisions-producer.ts';
import { published } from './fixtures.ts';

// No Kafka broker can run here: these tests check the calls made to AWS (mocked) and what is handed
// to kafkajs's Producer interface; the real kafkajs client is only constructed, never connected.
const kafkaApi = mockClient(KafkaClient);
const clusterArn = 'arn:aws:kafka:eu-west-1:123456789012:cluster/tally/abc';

class FakeProducer {
  readonly sent: ProducerRecord[] = [];
  connects = 0;
  failNext = false;
  async connect() {
    this.connects += 1;
  }
  async send(record: ProducerRecord) {
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error('broker gone'), { name: 'KafkaJSConnectionError' });
    }
    this.sent.push(record);
    return [];
  }
}

describe('MSK decisions producer', () => {
  beforeEach(() => kafkaApi.reset());

  it('finds the IAM brokers with GetBootstrapBrokers', async () => {
    kafkaApi.on(GetBootstrapBrokersCommand, { ClusterArn: clusterArn }).resolves({
      BootstrapBrokerStringSaslIam: 'b-1.tally:9098,b-2.tally:9098',
    });
    expect(await mskBootstrapBrokers(new KafkaClient({ region: 'eu-west-1' }), clusterArn)).toEqual([
      'b-1.tally:9098',
      'b-2.tally:9098',
    ]);
  });

  it('refuses a cluster without IAM access control', async () => {
    kafkaApi.on(GetBootstrapBrokersCommand).resolves({ BootstrapBrokerStringTls: 'b-1:9094' });
    await expect(mskBootstrapBrokers(new KafkaClient({ region: 'eu-west-1' }), clusterArn)).rejects.toThrow(
      /IAM/,
    );
  });

  it('configures TLS and SASL OAUTHBEARER with a token signed for the region', async () => {
    const regions: string[] = [];
    const config = mskIamKafkaConfig({
      brokers: ['b-1:9098'],
      region: 'eu-west-1',
      clientId: 'tally',
      sign: async (region) => {
        regions.push(region);
        return { token: `token-${regions.length}` };
      },
    });
    expect(config.ssl).toBe(true);
    expect(config.sasl?.mechanism).toBe('oauthbearer');
    const sasl = config.sasl as { oauthBearerProvider: () => Promise<{ value: string }> };
    // A fresh token on every (re)connect: MSK tokens expire after 15 minutes.
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'token-1' });
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'token-2' });
    expect(regions).toEqual(['eu-west-1', 'eu-west-1']);
    // kafkajs takes the configuration (constructing connects to nothing).
    expect(() =>
      new Kafka(config).producer({ createPartitioner: Partitioners.DefaultPartitioner }),
    ).not.toThrow();
  });

  it('discovers the brokers once, connects once, and keys each record by its subject', async () => {
    kafkaApi.on(GetBootstrapBrokersCommand).resolves({ BootstrapBrokerStringSaslIam: 'b-1:9098' });
    const producer = new FakeProducer();
    const configs: KafkaConfig[] = [];
    const bus = mskDecisionsBus({
      kafkaClient: new KafkaClient({ region: 'eu-west-1' }),
      clusterArn,
      topic: 'decisions',
      region: 'eu-west-1',
      sign: async () => ({ token: 't' }),
      createKafka: (config) => {
        configs.push(config);
        return { producer: () => producer as never };
      },
    });
    await bus.publish([
      published('d1', 'acct-1', '{"decision":"approved","amount":120.50}'),
      published('d2', 'acct-2'),
    ]);
    await bus.publish([published('d3', 'acct-1')]);
    expect(kafkaApi.commandCalls(GetBootstrapBrokersCommand)).toHaveLength(1);
    expect(configs.map((config) => config.brokers)).toEqual([['b-1:9098']]);
    expect(configs[0]?.sasl?.mechanism).toBe('oauthbearer');
    expect(producer.connects).toBe(1);
    const messages = producer.sent.flatMap((record) => record.messages);
    expect(producer.sent.every((record) => record.topic === 'decisions' && record.acks === -1)).toBe(true);
    expect(messages.map((message) => message.key)).toEqual(['acct-1', 'acct-2', 'acct-1']);
    expect(messages[0]?.headers).toEqual({ 'content-type': 'application/cloudevents+json' });
    expect(String(messages[0]?.value)).toContain('"data":{"decision":"approved","amount":120.50}');
    expect(JSON.parse(String(messages[0]?.value))).toMatchObject({ id: 'd1', subject: 'acct-1' });
  });

  it('fails every event of a send that failed and connects again on the next publish', async () => {
    const producer = new FakeProducer();
    const bus = new KafkaDecisionsBus({ topic: 't', producer: async () => producer });
    producer.failNext = true;
    const outcome = await bus.publish([published('a'), published('b')]);
    expect(outcome.failed.map((failure) => [failure.id, failure.code, failure.retryable])).toEqual([
      ['a', 'KafkaJSConnectionError', true],
      ['b', 'KafkaJSConnectionError', true],
    ]);
    expect((await bus.publish([published('a')])).failed).toEqual([]);
    expect(producer.connects).toBe(2);
  });

  it('refuses a record over the size limit without sending it, and sends the rest', async () => {
    const producer = new FakeProducer();
    const bus = new KafkaDecisionsBus({ topic: 't', messageBytesMax: 400, producer: async () => producer });
    const outcome = await bus.publish([
      published('small'),
      published('big', 'acct', JSON.stringify({ pad: 'x'.repeat(400) })),
    ]);
    expect(outcome.failed).toEqual([
      expect.objectContaining({ id: 'big', code: 'MessageTooLarge', retryable: false }),
    ]);
    expect(
      producer.sent
        .flatMap((record) => record.messages)
        .map((message) => JSON.parse(String(message.value)).id),
    ).toEqual(['small']);
  });
});
