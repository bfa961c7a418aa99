import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpEvent, withProblemPath } from './http.ts';

/**
 * An HTTP API (payload 2.0) event for a route template, as API Gateway sends it: the route key is
 * the template (`POST /wallets/{wallet_id}/corrections`), the raw path the actual one.
 */
export function apiRequest(options: {
  method: 'GET' | 'POST' | 'PUT';
  route: string;
  path: string;
  pathParameters?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  const base = httpEvent({
    method: 'GET',
    path: options.path,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.pathParameters === undefined ? {} : { pathParameters: options.pathParameters }),
  });
  const routeKey = `${options.method} ${options.route}`;
  return {
    ...base,
    routeKey,
    requestContext: {
      ...base.requestContext,
      routeKey,
      http: { ...base.requestContext.http, method: options.method },
    },
    ...(options.query === undefined ? {} : { queryStringParameters: options.query }),
  };
}

/** Checks a response is an RFC 9457 problem with every member a client relies on, and returns it. */
export function expectProblem(
  response: { statusCode: number; headers?: Record<string, unknown>; body: string },
  status: number,
  type: string,
): Record<string, unknown> {
  if (response.statusCode !== status || response.headers?.['content-type'] !== 'application/problem+json') {
    throw new Error(`expected a ${status} problem ${type}, got ${JSON.stringify(response)}`);
  }
  const problem = withProblemPath(JSON.parse(response.body) as Record<string, unknown>);
  const { type: actualType, title, status: bodyStatus, detail } = problem;
  if (
    actualType !== type ||
    bodyStatus !== status ||
    typeof title !== 'string' ||
    title === '' ||
    typeof detail !== 'string' ||
    detail === ''
  ) {
    throw new Error(`expected a ${status} problem ${type}, got ${response.body}`);
  }
  return problem;
}
