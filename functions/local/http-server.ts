import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import { JWKS_PATH } from '#adapters/local/dev-issuer.ts';
import type { FunctionSpec } from '#lib/wiring.ts';
import type { StaticSite } from './console-assets.ts';
import { bodyTooLargeReply, deniedReply, notAPathReply, unmatchedReply } from './http-answers.ts';
import { readBody } from './http-body.ts';
import { buildEvent } from './http-event.ts';
import { type HttpReply, problemReply, toHttpReply } from './http-reply.ts';
import { type CompiledRoute, compileRoutes, matchRoute } from './http-routes.ts';
import { type LambdaHandler, lambdaContext } from './lambda.ts';
import { createLocalAuthorizer, type LocalAuthorizer } from './local-authorizer.ts';
import { type RateLimiter, rateClientOf } from './rate-limit.ts';

/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0): routes from the wiring
 * table, its authorizer (local-authorizer.ts), the same event shape the handlers get in AWS, and
 * the v2 rules for reading their result.
 *
 * Where API Gateway's own answers are bare (`{"message":"Not Found"}`), this server answers with
 * RFC 9457 problems like the handlers do, and a wrong method gets 405 with `Allow` rather than 404.
 */

export interface LocalHttpServerOptions {
  functions: readonly FunctionSpec[];
  loadHandler: (spec: FunctionSpec) => Promise<LambdaHandler>;
  port: number;
  /** @default '127.0.0.1': a dev server is not for the network. */
  host?: string;
  /** Region for the fake Lambda context's ARN. */
  region: string;
  /** Requests wait for this before reaching a handler (the table may still be being created). */
  ready?: Promise<void>;
  /** Decides who may call each route. @default no token checks at all */
  authorizer?: LocalAuthorizer;
  /** Per-client request budget (`--rate-limit`); 429 with Retry-After past it. @default none */
  rateLimiter?: RateLimiter;
  /** The dev issuer's public keys, served at /.well-known/jwks.json (with `--auth`). */
  jwks?: JSONWebKeySet;
  /** Handler failures with their stack, and the access log. @default stderr */
  log?: (line: string) => void;
  /** One log line per request. @default true */
  accessLog?: boolean;
  /**
   * Routes the local runtime serves itself as a stream (authorized like any route, by their spec's
   * scopes), keyed by the spec's name: `GET /events/stream`.
   */
  /** Static pages served before any route is matched, without a token: the console at /console. */
  site?: StaticSite | undefined;
  streams?: ReadonlyArray<{
    spec: FunctionSpec;
    serve: (request: IncomingMessage, response: ServerResponse, rawQueryString: string) => Promise<number>;
  }>;
}

export interface LocalHttpServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

interface RequestContext {
  routes: CompiledRoute[];
  options: LocalHttpServerOptions;
  authorizer: LocalAuthorizer;
  log: (line: string) => void;
}

/** Starts the server; rejects with the listen error (EADDRINUSE …) if the port cannot be bound. */
export async function startHttpServer(options: LocalHttpServerOptions): Promise<LocalHttpServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = options.host ?? '127.0.0.1';
  const context: RequestContext = {
    routes: compileRoutes([...options.functions, ...(options.streams ?? []).map((stream) => stream.spec)]),
    options,
    authorizer: options.authorizer ?? createLocalAuthorizer({ mode: 'off' }),
    log,
  };
  const server = createServer((request, response) => {
    const startedMs = Date.now();
    handle(request, response, context)
      .then((status) => {
        if (options.accessLog !== false)
          log(`${request.method} ${request.url} → ${status} (${Date.now() - startedMs} ms)`);
      })
      .catch((error: unknown) => {
        // Only a broken socket gets here; the handler's own failures were answered with a 500.
        log(
          `${request.method} ${request.url} failed while replying: ${(error as Error).stack ?? String(error)}`,
        );
        response.destroy();
      });
  });
  // Lambda functions time out long before this; it only bounds a client that stops sending.
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

/** Routing, authorization and the body limit in API Gateway's order, then the handler. */
async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  context: RequestContext,
): Promise<number> {
  const requestId = randomUUID();
  const nowMs = Date.now();
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);
  const method = request.method ?? 'GET';
  const send = (reply: HttpReply, closeConnection = false) =>
    sendReply(response, reply, requestId, closeConnection);

  const early = beforeRouting(method, rawPath, context, requestId);
  if (early !== undefined) return send(early);
  if (context.options.site?.matches(rawPath)) return context.options.site.serve(request, response, rawPath);
  const match = matchRoute(context.routes, method, rawPath);
  if (match.kind !== 'found') return send(unmatchedReply(match, method, rawPath, requestId));

  const verdict = await context.authorizer(match.route, request.headers.authorization);
  if (verdict.kind === 'deny') {
    return send(deniedReply(verdict, requestId));
  }

  const limiter = context.options.rateLimiter;
  if (limiter !== undefined) {
    const client = rateClientOf(
      typeof verdict.jwt?.claims.sub === 'string' ? verdict.jwt.claims.sub : undefined,
      request.headers.authorization,
      request.socket.remoteAddress,
    );
    const rate = limiter(client);
    if (!rate.allowed) {
      const detail = `This client sent more requests than the local rate limit allows; retry in ${rate.retryAfterSeconds} s.`;
      return send(
        problemReply(429, 'rate-limited', 'Too many requests', detail, requestId, {
          'retry-after': String(rate.retryAfterSeconds),
        }),
      );
    }
  }

  const stream = context.options.streams?.find((candidate) => candidate.spec === match.route.spec);
  if (stream !== undefined) {
    await context.options.ready;
    return stream.serve(request, response, rawQueryString);
  }

  const read = await readBody(request);
  if (read.kind === 'too-large') {
    const reply = bodyTooLargeReply(requestId);
    // The rest of an upload past the discard cap was not read: close the connection after the answer.
    if (!read.drained) response.once('finish', () => request.destroy());
    return send(reply, !read.drained);
  }

  const { route, pathParameters } = match;
  const event = buildEvent({
    method,
    rawPath,
    rawQueryString,
    rawHeaders: request.rawHeaders,
    body: read.body,
    sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    localPort: request.socket.localPort ?? 0,
    route,
    pathParameters,
    requestId,
    nowMs,
    ...(verdict.jwt === undefined ? {} : { jwt: verdict.jwt }),
  });
  return send(await invoke(route, event, requestId, context));
}

function sendReply(
  response: ServerResponse,
  reply: HttpReply,
  requestId: string,
  closeConnection: boolean,
): number {
  const headers: Record<string, string | string[]> = { ...reply.headers };
  if (reply.cookies.length > 0) headers['set-cookie'] = reply.cookies;
  headers['apigw-requestid'] = requestId;
  headers['content-length'] = String(reply.body.length);
  if (closeConnection) headers.connection = 'close';
  response.writeHead(reply.statusCode, headers);
  response.end(reply.body);
  return reply.statusCode;
}

/** What is answered before any route is matched: a target that is no path, and the JWKS. */
function beforeRouting(
  method: string,
  rawPath: string,
  context: RequestContext,
  requestId: string,
): HttpReply | undefined {
  if (!rawPath.startsWith('/')) {
    return notAPathReply(requestId);
  }
  const jwks = context.options.jwks;
  if (jwks !== undefined && rawPath === JWKS_PATH && (method === 'GET' || method === 'HEAD')) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
      cookies: [],
      body: Buffer.from(JSON.stringify(jwks), 'utf8'),
    };
  }
  return undefined;
}

async function invoke(
  route: CompiledRoute,
  event: unknown,
  requestId: string,
  context: RequestContext,
): Promise<HttpReply> {
  try {
    await context.options.ready;
    const handler = await context.options.loadHandler(route.spec);
    return toHttpReply(await handler(event, lambdaContext(route.spec, context.options.region)));
  } catch (error) {
    // The stack is for the developer's terminal; the client gets the request id to quote.
    context.log(
      `${route.routeKey} (${route.spec.name}, request ${requestId}) failed: ${
        error instanceof Error ? (error.stack ?? error.message) : String(error)
      }`,
    );
    const detail = 'The function failed; its log has the details. Quote the instance id.';
    return problemReply(500, 'internal', 'Internal error', detail, requestId);
  }
}
