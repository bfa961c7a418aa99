import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  bodyTooLargeReply,
  deniedReply,
  notAPathReply,
  unmatchedReply,
} from '../../functions/local/http-answers.ts';
import { REQUEST_BODY_BYTES_MAX } from '../../functions/local/http-body.ts';
import { buildEvent } from '../../functions/local/http-event.ts';
import { type HttpReply, toHttpReply } from '../../functions/local/http-reply.ts';
import { type CompiledRoute, compileRoutes, matchRoute } from '../../functions/local/http-routes.ts';
import { handlerLoader, type LambdaHandler, lambdaContext } from '../../functions/local/lambda.ts';
import type { LocalAuthorizer } from '../../functions/local/local-authorizer.ts';
import type { FunctionSpec } from '../../lib/wiring.ts';

/**
 * The fuzz suite's way into the API: what the local HTTP server does with a request, minus the
 * socket. Route matching, the payload 2.0 event and the reading of the handler's result are the
 * local runtime's own exported pieces, and so are the answers the server gives before a handler
 * runs (a target that is no path, 404, 405, a bad percent-encoding, a denied token, 413).
 *
 * This is the ONE file that knows where those pieces live: when the local server is split, only
 * the imports above change.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REGION = 'us-east-1';

/** One request as a client sends it; `target` is the raw request target (path and query). */
export interface ApiRequest {
  method: string;
  target: string;
  /** Name, value pairs as sent; repeated names are allowed. */
  headers: readonly (readonly [string, string])[];
  body: Buffer;
  /**
   * What API Gateway's JWT authorizer puts in the event when a token passed it: the claims and
   * scopes. Absent: no authorizer (local auth off, or IAM).
   */
  authorizer?: { claims: Record<string, unknown>; scopes: string[] | null };
}

export interface ApiAnswer {
  reply: HttpReply;
  /** The route the request reached, or undefined when the server answered before any handler. */
  route?: CompiledRoute;
  /** The Lambda request id given to the handler (its logs carry it). */
  awsRequestId?: string;
}

export interface InProcessApi {
  routes: readonly CompiledRoute[];
  /** Sends one request; `timeoutMs` bounds the handler as Lambda's timeout would (then rejects). */
  send(request: ApiRequest, options?: { timeoutMs?: number; awsRequestId?: string }): Promise<ApiAnswer>;
}

export class HandlerTimeout extends Error {
  override readonly name = 'HandlerTimeout';
}

/**
 * The API over the wiring table's functions; handler modules load from their `entry` on first use.
 * With `authorizer` (the local runtime's own, `npm start -- --auth`), every request passes it after
 * routing and before the body limit, as in the local server: a denial answers without the handler,
 * and an accepted token's claims and scopes become the event's authorizer context (the request's
 * own `authorizer` is then ignored: the token is the only source).
 */
export function inProcessApi(
  functions: readonly FunctionSpec[],
  loadHandler: (spec: FunctionSpec) => Promise<LambdaHandler> = handlerLoader(REPO_ROOT),
  authorizer?: LocalAuthorizer,
): InProcessApi {
  const routes = compileRoutes(functions);
  return {
    routes,
    async send(request, options = {}) {
      const requestId = randomUUID();
      const queryAt = request.target.indexOf('?');
      const rawPath = queryAt === -1 ? request.target : request.target.slice(0, queryAt);
      const rawQueryString = queryAt === -1 ? '' : request.target.slice(queryAt + 1);
      if (!rawPath.startsWith('/')) return { reply: notAPathReply(requestId) };
      const match = matchRoute(routes, request.method, rawPath);
      if (match.kind !== 'found') return { reply: unmatchedReply(match, request.method, rawPath, requestId) };
      const authorization = request.headers.find(([name]) => name.toLowerCase() === 'authorization')?.[1];
      const verdict = authorizer === undefined ? undefined : await authorizer(match.route, authorization);
      if (verdict?.kind === 'deny') return { reply: deniedReply(verdict, requestId), route: match.route };
      if (request.body.length > REQUEST_BODY_BYTES_MAX) return { reply: bodyTooLargeReply(requestId) };
      const { route, pathParameters } = match;
      const handler = await loadHandler(route.spec);
      const event: APIGatewayProxyEventV2 = buildEvent({
        method: request.method,
        rawPath,
        rawQueryString,
        rawHeaders: request.headers.flat(),
        body: request.body,
        sourceIp: '127.0.0.1',
        localPort: 3000,
        route,
        pathParameters,
        requestId,
        nowMs: Date.now(),
      });
      const jwt = authorizer === undefined ? request.authorizer : verdict?.jwt;
      if (jwt !== undefined) Object.assign(event.requestContext, { authorizer: { jwt } });
      const awsRequestId = options.awsRequestId ?? randomUUID();
      const context = { ...lambdaContext(route.spec, REGION), awsRequestId };
      const timeoutMs = options.timeoutMs ?? route.spec.timeoutSeconds * 1000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new HandlerTimeout(`${route.routeKey} did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        const result = await Promise.race([handler(event, context), timedOut]);
        // A result API Gateway would refuse throws here, as the local server turns it into a 500.
        return { reply: toHttpReply(result), route, awsRequestId };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
