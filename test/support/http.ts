import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { problemType } from '#http/problem.ts';

/** An API Gateway HTTP API (payload 2.0) event, as the local runtime and AWS deliver it. */
export function httpEvent(options: {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  isBase64Encoded?: boolean;
}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${options.method} ${options.path}`,
    rawPath: options.path,
    rawQueryString: '',
    headers: options.headers ?? {},
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: options.method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: `${options.method} ${options.path}`,
      stage: '$default',
      time: '14/Nov/2023:22:13:20 +0000',
      timeEpoch: 1_700_000_000_000,
    },
    isBase64Encoded: options.isBase64Encoded ?? false,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.pathParameters === undefined ? {} : { pathParameters: options.pathParameters }),
  };
}

export const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'tally-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:tally-test',
  memoryLimitInMB: '256',
  awsRequestId: 'lambda-req-1',
  logGroupName: '/aws/lambda/tally-test',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

/** The parsed problem+json body of a response, after checking its content type. */
export function problemOf(response: {
  headers?: Record<string, unknown>;
  body: string;
}): Record<string, unknown> {
  if (response.headers?.['content-type'] !== 'application/problem+json') {
    throw new Error(`not a problem response: ${JSON.stringify(response)}`);
  }
  return withProblemPath(JSON.parse(response.body) as Record<string, unknown>);
}

/**
 * Problem `type`s are absolute (`https://tally.dev/problems/<code>`, issue 15): this checks that
 * one is, under the configured base, and gives it back as its path `/problems/<code>`, so a test
 * names the stable code and not the deployment's base.
 */
export function withProblemPath(problem: Record<string, unknown>): Record<string, unknown> {
  const { type } = problem;
  const base = problemType('');
  if (typeof type !== 'string' || !type.startsWith(base)) {
    throw new Error(`problem type ${JSON.stringify(type)} is not an absolute URI under ${base}`);
  }
  return { ...problem, type: `/problems/${type.slice(base.length)}` };
}
