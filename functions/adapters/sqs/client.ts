import { SQSClient } from '@aws-sdk/client-sqs';

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

// Kept apart (no SDK import), so the queue and stream handlers can read it without loading the SQS client.
export { isFifoQueue } from './fifo.ts';
