import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueJournal } from './queue-journal.ts';

/**
 * The local SQS: fauxqs, an in-process emulator that speaks the SQS API (long polling, visibility
 * timeouts, redrive to a DLQ, FIFO groups). Its state is in memory only; with a data dir, a
 * journal (queue-journal.ts) in its HTTP server keeps every message sent and not yet deleted, and
 * the next start sends them again. In memory (`--in-memory`, tests) the runtime drains its queues
 * before it stops, and what is left is gone.
 */
export interface LocalSqs {
  /** e.g. `http://127.0.0.1:43123`: the endpoint for `@aws-sdk/client-sqs`. */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs on `host:port` (port 0 picks a free one). Built with fauxqs' `buildApp` rather than
 * `startFauxqs`, because the latter listens on every interface, and a dev server is not for the
 * network. Imported lazily: fauxqs is a development dependency, needed only when running locally.
 */
export async function startLocalSqs(
  options: { host?: string; port?: number; journal?: QueueJournal } = {},
): Promise<LocalSqs> {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const { journal } = options;
  if (journal !== undefined) {
    // Before the answer leaves: a 200 to SendMessage means the message is in the journal.
    app.addHook('onSend', async (request, reply, payload) => {
      const target = request.headers['x-amz-target'];
      if (reply.statusCode !== 200 || typeof target !== 'string' || typeof payload !== 'string')
        return payload;
      await journal.record({
        action: target.replace('AmazonSQS.', ''),
        body: (request.body ?? {}) as Record<string, unknown>,
        answer: JSON.parse(payload) as Record<string, unknown>,
      });
      return payload;
    });
  }
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await app.close();
    throw new Error('startLocalSqs: the emulator has no TCP address');
  }
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    stop: async () => {
      await app.close();
      await journal?.close();
    },
  };
}

export interface EventsQueues {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  /** The queue's visibility timeout (the pollers keep a batch being handled hidden for it). */
  visibilityTimeoutSeconds?: number;
}

export interface EventsQueuesOptions {
  /** @default 'tally-events' (`.fifo` is appended for FIFO queues); the DLQ is `<name>-dlq` */
  name?: string;
  fifo?: boolean;
  /** Receives before the redrive policy moves a message to the DLQ (the trigger's maxReceiveCount). */
  maxReceiveCount: number;
  /** How long a received message stays hidden; short locally, so a failed one comes back soon. */
  visibilityTimeoutSeconds: number;
}

/**
 * Creates the events queue and its DLQ, as the stack does: the queue's redrive policy sends a
 * message to the DLQ after `maxReceiveCount` receives. CreateQueue with the same attributes is
 * idempotent, so calling this twice is fine. With another `name` it makes the stack's other queue
 * pair the same way: the jobs queue (`tally-jobs`, never FIFO) and its DLQ.
 */
export async function ensureEventsQueues(
  client: SQSClient,
  options: EventsQueuesOptions,
): Promise<EventsQueues> {
  const base = options.name ?? 'tally-events';
  const suffix = options.fifo ? '.fifo' : '';
  const fifoAttributes: Partial<Record<QueueAttributeName, string>> = options.fifo
    ? { FifoQueue: 'true' }
    : {};

  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: `${base}-dlq${suffix}`,
      // 14 days, the longest SQS keeps a message: dead letters wait for a person.
      Attributes: { ...fifoAttributes, MessageRetentionPeriod: '1209600' },
    }),
  );
  const dlqUrl = required(dlq.QueueUrl, 'the DLQ URL');
  const dlqArn = await queueArn(client, dlqUrl);

  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `${base}${suffix}`,
      Attributes: {
        ...fifoAttributes,
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: String(options.maxReceiveCount),
        }),
      },
    }),
  );
  const queueUrl = required(queue.QueueUrl, 'the queue URL');
  return {
    queueUrl,
    queueArn: await queueArn(client, queueUrl),
    dlqUrl,
    dlqArn,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
  };
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const result = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return required(result.Attributes?.QueueArn, `the ARN of ${queueUrl}`);
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new Error(`the local SQS did not return ${what}`);
  return value;
}
