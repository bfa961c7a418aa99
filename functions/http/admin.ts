import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpProblem } from './problem.ts';
import { header } from './request.ts';

/** Locally, `Authorization: Bearer <TALLY_ADMIN_TOKEN>`: 401 without it, 403 with another. */
export function authorizeAdmin(event: APIGatewayProxyEventV2, token: string | undefined): void {
  if (token === undefined || token === '') return;
  const authorization = header(event, 'authorization');
  const presented = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  if (presented === undefined) {
    throw new HttpProblem({
      status: 401,
      code: 'unauthorized',
      title: 'Unauthorized',
      detail: 'This is an admin route: send Authorization: Bearer <TALLY_ADMIN_TOKEN>.',
      headers: { 'www-authenticate': 'Bearer realm="tally-admin"' },
    });
  }
  if (!sameSecret(presented, token)) {
    throw new HttpProblem({
      status: 403,
      code: 'forbidden',
      title: 'Forbidden',
      detail: 'The admin token is not valid.',
    });
  }
}

/**
 * Compares the digests, not the strings: equal length always, so neither the length nor the first
 * differing byte shows in the time taken. The one comparison of secrets (here and locally).
 */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
