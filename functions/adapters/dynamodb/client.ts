import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Called with every document client this process creates, e.g. to add instrumentation. */
export type ClientObserver = (client: DynamoDBDocumentClient) => void;
const observers: ClientObserver[] = [];

/**
 * Lets a benchmark or a test see every client made from now on (the handlers build theirs lazily),
 * for instance to add `ReturnConsumedCapacity` and count write units. Not used in production.
 */
export function observeClients(observer: ClientObserver): void {
  observers.push(observer);
}

/**
 * The SDK's default logger does nothing, yet its logger middleware calls `logger.info?.(…)` with
 * the input and output run through the commands' sensitive-data filters — a walk over every item of
 * every page (measured: 9.5 µs of CPU per event read). A logger without `info` skips that walk;
 * the others stay no-ops, as the default's are.
 */
export const QUIET_LOGGER = {
  trace() {},
  debug() {},
  warn() {},
  error() {},
} as unknown as NonNullable<DynamoDBClientConfig['logger']>;

/**
 * The SDK's own defaults, given here so that the first request does not look each one up: the
 * client reads every setting it is not given from an AWS_* variable, then from ~/.aws/config and
 * ~/.aws/credentials (files a Lambda does not have), each miss a thrown and caught error, and all
 * of it on the first request's path. The stack sets none of these variables; the endpoint is
 * ours to give (`endpoint` above) or the region's, never AWS_ENDPOINT_URL_DYNAMODB. The FIPS and
 * dual-stack endpoints and the retry mode still follow their variables where an operator sets
 * them on a function (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, AWS_RETRY_MODE): a
 * deployment that must use FIPS endpoints keeps them. Only the files are never read.
 */
const sdkSettings = (env: NodeJS.ProcessEnv) =>
  ({
    accountIdEndpointMode: 'preferred',
    authSchemePreference: [],
    defaultsMode: 'legacy',
    disableClockSkewCorrection: false,
    ignoreConfiguredEndpointUrls: true,
    retryMode: env.AWS_RETRY_MODE === 'adaptive' ? 'adaptive' : 'standard',
    useDualstackEndpoint: env.AWS_USE_DUALSTACK_ENDPOINT === 'true',
    useFipsEndpoint: env.AWS_USE_FIPS_ENDPOINT === 'true',
    userAgentAppId: 'tally',
  }) satisfies DynamoDBClientConfig;

/**
 * The document client every adapter uses. Numbers come back as their decimal text (never a float)
 * so the item schemas can turn them into exact integers; empty values are removed on write.
 * `endpoint` is DynamoDB Local's (the composition root reads it from the environment); without
 * one, the client talks to the function's region with the function's role.
 */
export function createDocumentClient(
  options: { endpoint?: string; region?: string } = {},
): DynamoDBDocumentClient {
  const endpoint = options.endpoint;
  const client = new DynamoDBClient({
    ...(endpoint
      ? {
          endpoint,
          region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
          // DynamoDB Local accepts any credentials; tables are per key id + region, so use fixed ones.
          credentials: { accessKeyId: 'tallylocal', secretAccessKey: 'tallylocal' },
        }
      : {}),
    maxAttempts: 4,
    logger: QUIET_LOGGER,
    ...sdkSettings(process.env),
  });
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: (text: string) => text },
  });
  for (const observe of observers) observe(documentClient);
  return documentClient;
}
