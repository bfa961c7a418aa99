import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { FunctionSpec, HttpMethod } from '#lib/wiring.ts';
import { type LambdaHandler, lambdaContext, localAccountId } from './lambda.ts';

/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0): routes from the wiring
 * table, the same event shape the handlers get in AWS, and the v2 rules for reading their result.
 *
 * Where API Gateway's own answers are bare (`{"message":"Not Found"}`), this server answers with
 * RFC 9457 problems like the handlers do, and a wrong method gets 405 with `Allow` rather than 404.
 */

/** Larger request bodies are refused with 413 before a handler sees them. */
export const REQUEST_BODY_BYTES_MAX = 1024 * 1024;

type Segment = { literal: string } | { param: string; greedy: boolean };

export interface CompiledRoute {
  method: HttpMethod;
  /** The API Gateway route key, e.g. `GET /details/{wallet_id}`. */
  routeKey: string;
  segments: Segment[];
  spec: FunctionSpec;
}

/** Compiles every route of the wiring table; a malformed path template is a programmer error. */
export function compileRoutes(functions: readonly FunctionSpec[]): CompiledRoute[] {
  const routes: CompiledRoute[] = [];
  const seen = new Set<string>();
  for (const spec of functions) {
    for (const route of spec.routes ?? []) {
      if (!route.path.startsWith('/'))
        throw new Error(`route ${route.path} of ${spec.name} must start with /`);
      const routeKey = `${route.method} ${route.path}`;
      if (seen.has(routeKey)) throw new Error(`route ${routeKey} is declared twice`);
      seen.add(routeKey);
      const parts = route.path.split('/').slice(1);
      const segments = parts.map((part, index): Segment => {
        const param = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(part);
        if (param === null) return { literal: part };
        const greedy = param[2] === '+';
        if (greedy && index !== parts.length - 1)
          throw new Error(`${route.path}: {x+} must be the last segment`);
        return { param: param[1] ?? '', greedy };
      });
      routes.push({ method: route.method, routeKey, segments, spec });
    }
  }
  return routes;
}

export type RouteMatch =
  | { kind: 'found'; route: CompiledRoute; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: HttpMethod[] }
  | { kind: 'not-found' }
  | { kind: 'bad-path'; detail: string };

/**
 * Matches a raw (still percent-encoded) path. Segments are compared encoded and parameters are
 * decoded afterwards, so `/details/a%2Fb` is the wallet `a/b` and never the path `/details/a/b`.
 * When several templates match, the one with more literal segments wins, as in API Gateway.
 */
export function matchRoute(routes: readonly CompiledRoute[], method: string, rawPath: string): RouteMatch {
  const parts = rawPath.split('/').slice(1);
  let best: { route: CompiledRoute; raw: Record<string, string>; literals: number } | undefined;
  const allow = new Set<HttpMethod>();
  for (const route of routes) {
    const raw = matchSegments(route.segments, parts);
    if (raw === undefined) continue;
    allow.add(route.method);
    if (route.method !== method) continue;
    const literals = route.segments.filter((segment) => 'literal' in segment).length;
    if (best === undefined || literals > best.literals) best = { route, raw, literals };
  }
  if (best === undefined) {
    return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow].sort() } : { kind: 'not-found' };
  }
  const pathParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(best.raw)) {
    try {
      pathParameters[name] = decodeURIComponent(value);
    } catch {
      return { kind: 'bad-path', detail: `The path parameter ${name} is not valid percent-encoding.` };
    }
  }
  return { kind: 'found', route: best.route, pathParameters };
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    if ('literal' in segment) {
      if (parts[index] !== segment.literal) return undefined;
      continue;
    }
    if (segment.greedy) {
      const rest = parts.slice(index).join('/');
      if (rest === '') return undefined;
      params[segment.param] = rest;
      return params;
    }
    const part = parts[index];
    // API Gateway never matches an empty parameter: `/details/` is not `/details/{wallet_id}`.
    if (part === undefined || part === '') return undefined;
    params[segment.param] = part;
  }
  return parts.length === segments.length ? params : undefined;
}

/**
 * Content types whose body API Gateway passes as UTF-8 text; every other body (no content type,
 * and even `application/x-www-form-urlencoded`, which is what `curl -d` sends) arrives base64 with
 * `isBase64Encoded: true`. This is the split observed on real HTTP APIs.
 */
export function isTextualContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType === 'application/xml' ||
    mediaType === 'application/javascript'
  );
}

export interface EventInput {
  method: string;
  rawPath: string;
  rawQueryString: string;
  /** Node's `rawHeaders`: name, value, name, value … as received. */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  localPort: number;
  route: CompiledRoute;
  pathParameters: Record<string, string>;
  requestId: string;
  nowMs: number;
}

/** Builds the API Gateway HTTP API payload 2.0 event for one request. */
export function buildEvent(input: EventInput): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < input.rawHeaders.length; index += 2) {
    const name = (input.rawHeaders[index] ?? '').toLowerCase();
    const value = input.rawHeaders[index + 1] ?? '';
    if (name === 'cookie') {
      // v2 moves cookies out of the headers into their own array, one entry per cookie.
      for (const cookie of value.split(';')) if (cookie.trim() !== '') cookies.push(cookie.trim());
      continue;
    }
    // Repeated headers are joined with commas, as API Gateway does.
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  // What API Gateway adds in front of every integration.
  headers['x-forwarded-for'] ??= input.sourceIp;
  headers['x-forwarded-port'] ??= String(input.localPort);
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(input.nowMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  if (input.body.length > 0) headers['content-length'] ??= String(input.body.length);

  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(input.rawQueryString)) {
    const previous = queryStringParameters[name];
    queryStringParameters[name] = previous === undefined ? value : `${previous},${value}`;
  }

  const host = headers.host ?? `localhost:${input.localPort}`;
  const domainName = host.replace(/:\d+$/, '');
  const textual = isTextualContentType(headers['content-type']);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: input.route.routeKey,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: localAccountId,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: input.method,
        path: input.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: input.route.routeKey,
      stage: '$default',
      time: clfTime(input.nowMs),
      timeEpoch: input.nowMs,
    },
    ...(input.body.length > 0
      ? { body: textual ? input.body.toString('utf8') : input.body.toString('base64') }
      : {}),
    isBase64Encoded: input.body.length > 0 && !textual,
  };
  return event;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (value: number): string => String(value).padStart(2, '0');

/** `22/Nov/2026:19:03:58 +0000`, the access-log time format API Gateway uses. */
function clfTime(ms: number): string {
  const date = new Date(ms);
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

export interface HttpReply {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

export class MalformedResultError extends Error {
  override readonly name = 'MalformedResultError';
}

/**
 * Reads a handler's result by the payload 2.0 rules: an object with `statusCode` is a structured
 * response; anything else is JSON to send as a 200 `application/json` body. A structured response
 * that API Gateway would reject (bad status, non-string body) throws, and becomes a 500.
 */
export function toHttpReply(result: unknown): HttpReply {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      // A handler that returns nothing sends `null`, the JSON of an empty Lambda result.
      body: Buffer.from(JSON.stringify(result) ?? 'null', 'utf8'),
    };
  }
  const structured = result as {
    statusCode: unknown;
    headers?: unknown;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const statusCode = structured.statusCode;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new MalformedResultError(
      `statusCode must be an integer from 100 to 599, got ${String(statusCode)}`,
    );
  }
  const headers: Record<string, string> = {};
  if (structured.headers !== undefined && structured.headers !== null) {
    if (typeof structured.headers !== 'object') throw new MalformedResultError('headers must be an object');
    for (const [name, value] of Object.entries(structured.headers)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new MalformedResultError(`header ${name} must be a string, number or boolean`);
      }
      headers[name.toLowerCase()] = String(value);
    }
  }
  const cookies: string[] = [];
  if (structured.cookies !== undefined) {
    if (
      !Array.isArray(structured.cookies) ||
      structured.cookies.some((cookie) => typeof cookie !== 'string')
    ) {
      throw new MalformedResultError('cookies must be an array of strings');
    }
    cookies.push(...(structured.cookies as string[]));
  }
  const body = structured.body ?? '';
  if (typeof body !== 'string') throw new MalformedResultError('body must be a string');
  return {
    statusCode,
    headers,
    cookies,
    body: structured.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}

function problemReply(
  status: number,
  code: string,
  title: string,
  detail: string,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): HttpReply {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', ...extraHeaders },
    cookies: [],
    body: Buffer.from(
      JSON.stringify({ type: `/problems/${code}`, title, status, detail, instance: requestId }),
      'utf8',
    ),
  };
}

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
  /** Handler failures with their stack, and the access log. @default stderr */
  log?: (line: string) => void;
  /** One log line per request. @default true */
  accessLog?: boolean;
}

export interface LocalHttpServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Starts the server; rejects with the listen error (EADDRINUSE …) if the port cannot be bound. */
export async function startHttpServer(options: LocalHttpServerOptions): Promise<LocalHttpServer> {
  const routes = compileRoutes(options.functions);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = options.host ?? '127.0.0.1';

  const server = createServer((request, response) => {
    const startedMs = Date.now();
    handle(request, response, { routes, options, log })
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

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  context: { routes: CompiledRoute[]; options: LocalHttpServerOptions; log: (line: string) => void },
): Promise<number> {
  const { routes, options, log } = context;
  const requestId = randomUUID();
  const nowMs = Date.now();
  const target = request.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);
  const method = request.method ?? 'GET';

  const send = (reply: HttpReply, closeConnection = false): number => {
    const headers: Record<string, string | string[]> = { ...reply.headers };
    if (reply.cookies.length > 0) headers['set-cookie'] = reply.cookies;
    headers['apigw-requestid'] = requestId;
    headers['content-length'] = String(reply.body.length);
    if (closeConnection) headers.connection = 'close';
    response.writeHead(reply.statusCode, headers);
    response.end(reply.body);
    return reply.statusCode;
  };

  if (!rawPath.startsWith('/')) {
    return send(
      problemReply(400, 'bad-request-target', 'Bad request', 'The request target must be a path.', requestId),
    );
  }
  const match = matchRoute(routes, method, rawPath);
  if (match.kind === 'not-found') {
    return send(
      problemReply(404, 'route-not-found', 'Not found', `No route matches ${method} ${rawPath}.`, requestId),
    );
  }
  if (match.kind === 'method-not-allowed') {
    return send(
      problemReply(
        405,
        'method-not-allowed',
        'Method not allowed',
        `${rawPath} accepts ${match.allow.join(', ')}, not ${method}.`,
        requestId,
        { allow: match.allow.join(', ') },
      ),
    );
  }
  if (match.kind === 'bad-path') {
    return send(problemReply(400, 'bad-path', 'Bad request', match.detail, requestId));
  }

  const body = await readBody(request, REQUEST_BODY_BYTES_MAX);
  if (body === 'too-large') {
    const reply = problemReply(
      413,
      'body-too-large',
      'Content too large',
      `The request body is larger than ${REQUEST_BODY_BYTES_MAX} bytes.`,
      requestId,
    );
    // The rest of the upload is not read; closing the connection is the only clean way out.
    response.once('finish', () => request.destroy());
    return send(reply, true);
  }

  const { route, pathParameters } = match;
  let reply: HttpReply;
  try {
    await options.ready;
    const handler = await options.loadHandler(route.spec);
    const event = buildEvent({
      method,
      rawPath,
      rawQueryString,
      rawHeaders: request.rawHeaders,
      body,
      sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      localPort: request.socket.localPort ?? 0,
      route,
      pathParameters,
      requestId,
      nowMs,
    });
    reply = toHttpReply(await handler(event, lambdaContext(route.spec, options.region)));
  } catch (error) {
    // The stack is for the developer's terminal; the client gets the request id to quote.
    log(
      `${route.routeKey} (${route.spec.name}, request ${requestId}) failed: ${
        error instanceof Error ? (error.stack ?? error.message) : String(error)
      }`,
    );
    reply = problemReply(
      500,
      'internal',
      'Internal error',
      'The function failed; its log has the details. Quote the instance id.',
      requestId,
    );
  }
  return send(reply);
}

/** The whole body, or 'too-large' as soon as it passes `limitBytes` (the rest is not buffered). */
function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer | 'too-large'> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limitBytes) {
        done = true;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    request.once('error', reject);
  });
}
