import { REQUEST_BODY_BYTES_MAX } from './http-body.ts';
import { type HttpReply, problemReply } from './http-reply.ts';
import type { RouteMatch } from './http-routes.ts';
import type { AuthVerdict } from './local-authorizer.ts';

/**
 * The answers the local server gives before any handler runs, as API Gateway gives its own: a
 * target that is no path, no route, a denied token, a body over the limit. The fuzz suite's
 * in-process API answers with these too, so it sees what a client of `npm start` sees.
 */

export const notAPathReply = (requestId: string): HttpReply =>
  problemReply(400, 'bad-request-target', 'Bad request', 'The request target must be a path.', requestId);

export function unmatchedReply(
  match: Exclude<RouteMatch, { kind: 'found' }>,
  method: string,
  rawPath: string,
  requestId: string,
): HttpReply {
  switch (match.kind) {
    case 'not-found':
      return problemReply(
        404,
        'route-not-found',
        'Not found',
        `No route matches ${method} ${rawPath}.`,
        requestId,
      );
    case 'method-not-allowed': {
      const allow = match.allow.join(', ');
      const detail = `${rawPath} accepts ${allow}, not ${method}.`;
      return problemReply(405, 'method-not-allowed', 'Method not allowed', detail, requestId, { allow });
    }
    case 'bad-path':
      return problemReply(400, 'bad-path', 'Bad request', match.detail, requestId);
    default: {
      const unexpected: never = match;
      throw new Error(`unexpected route match ${JSON.stringify(unexpected)}`);
    }
  }
}

export function deniedReply(verdict: Extract<AuthVerdict, { kind: 'deny' }>, requestId: string): HttpReply {
  const { status, code, title, detail, challenge } = verdict;
  return problemReply(status, code, title, detail, requestId, { 'www-authenticate': challenge });
}

export const bodyTooLargeReply = (requestId: string): HttpReply =>
  problemReply(
    413,
    'body-too-large',
    'Content too large',
    `The request body is larger than ${REQUEST_BODY_BYTES_MAX} bytes.`,
    requestId,
  );
