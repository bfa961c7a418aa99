import { SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '#lib/wiring.ts';

/**
 * Fixed credentials for a local SQS endpoint: the emulator accepts any, but the SDK must sign with
 * something, and a laptop need not have an AWS profile.
 */
const LOCAL_CREDENTIALS = { accessKeyId: 'tallylocal', secretAccessKey: 'tallylocal' } as const;

/**
 * An SQS client: against `endpoint` (a local emulator) when given, else the default endpoint of
 * the function's region with the function's role.
 */
export function createSqsClient(options: { endpoint?: string; region?: string } = {}): SQSClient {
  const endpoint = options.endpoint;
  return new SQSClient({
    ...(endpoint
      ? {
          endpoint,
          region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
          credentials: LOCAL_CREDENTIALS,
        }
      : {}),
    maxAttempts: 4,
  });
}

let fromEnv: { endpoint: string | undefined; client: SQSClient } | undefined;

/** This function instance's SQS client, built on first use from ENV.sqsEndpoint (set only locally). */
export function sqsClientFromEnv(): SQSClient {
  const endpoint = process.env[ENV.sqsEndpoint] || undefined;
  // Rebuilt only if the endpoint changed: one process hosts one local runtime at a time, but tests
  // start several runtimes one after another, each with its own emulator port.
  if (fromEnv === undefined || fromEnv.endpoint !== endpoint) {
    fromEnv?.client.destroy();
    fromEnv = { endpoint, client: createSqsClient(endpoint === undefined ? {} : { endpoint }) };
  }
  return fromEnv.client;
}

/** A queue URL from the environment; a missing one is a deployment error, not a client's. */
export function queueUrlFromEnv(name: typeof ENV.eventsQueueUrl | typeof ENV.eventsDlqUrl): string {
  const url = process.env[name];
  if (!url) throw new Error(`${name} is not set`);
  return url;
}

/** FIFO queues are named `*.fifo`; their sends need a group and a deduplication id. */
export const isFifoQueue = (urlOrArn: string): boolean => urlOrArn.endsWith('.fifo');
