import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { CompiledRoute } from './http-routes.ts';
import { localAccountId } from './lambda.ts';

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
  /** The JWT authorizer's verdict, as API Gateway hands it on; absent when no token was checked. */
  jwt?: JwtAuthorizerContext;
}

/** `event.requestContext.authorizer.jwt` of an HTTP API route with a JWT authorizer. */
export interface JwtAuthorizerContext {
  claims: Record<string, string | number | boolean | string[]>;
  scopes: string[] | null;
}

/** Builds the API Gateway HTTP API payload 2.0 event for one request. */
export function buildEvent(
  input: EventInput,
): APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer {
  const { headers, cookies } = eventHeaders(input);
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(input.rawQueryString)) {
    const previous = queryStringParameters[name];
    queryStringParameters[name] = previous === undefined ? value : `${previous},${value}`;
  }

  const host = headers.host ?? `localhost:${input.localPort}`;
  const domainName = host.replace(/:\d+$/, '');
  const textual = isTextualContentType(headers['content-type']);
  const event: APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer = {
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
      ...(input.jwt === undefined ? {} : { authorizer: { jwt: input.jwt } }),
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

/**
 * Headers as payload 2.0 carries them: lower-cased, repeats joined with commas, cookies moved to
 * their own array, and what API Gateway adds in front of every integration.
 */
function eventHeaders(input: EventInput): { headers: Record<string, string>; cookies: string[] } {
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
  headers['x-forwarded-for'] ??= input.sourceIp;
  headers['x-forwarded-port'] ??= String(input.localPort);
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(input.nowMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  if (input.body.length > 0) headers['content-length'] ??= String(input.body.length);

  return { headers, cookies };
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
