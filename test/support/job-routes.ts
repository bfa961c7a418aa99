import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { HttpResult } from '#http/problem.ts';
import { apiRequest } from './api-request.ts';
import { lambdaContext } from './http.ts';

type RouteHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

/**
 * The calls of an admin job route pair, on a handler under test: `post` to `path` (an object is
 * sent as JSON, a string as is, undefined as no body) and `getJob` of `path/{jobId}`, both with
 * `authorized` headers unless others are given.
 */
export function jobRouteCalls(handler: RouteHandler, path: string, authorized: Record<string, string>) {
  return {
    post: (body: unknown, headers: Record<string, string> = authorized) =>
      handler(
        apiRequest({
          method: 'POST',
          route: path,
          path,
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
          headers,
        }),
        lambdaContext,
      ),
    getJob: (jobId: string, headers: Record<string, string> = authorized) =>
      handler(
        apiRequest({
          method: 'GET',
          route: `${path}/{jobId}`,
          path: `${path}/${jobId}`,
          pathParameters: { jobId },
          headers,
        }),
        lambdaContext,
      ),
  };
}
