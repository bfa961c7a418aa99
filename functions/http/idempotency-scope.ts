import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { type KeyNamespace, type ScopedIdempotency, scopeIdempotency } from '#app/idempotency.ts';

const jwtClaims = z.object({
  jwt: z.nullish(z.object({ claims: z.nullish(z.record(z.string(), z.unknown())) })),
  iam: z.nullish(z.object({ userArn: z.nullish(z.string()), callerId: z.nullish(z.string()) })),
});

const claimText = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * Whose keys these are: the client a token names (`client_id`, as OAuth client-credentials tokens
 * and Cognito carry it; else `azp`; else `sub`), the IAM caller, or `service` when no authorizer
 * ran (local runs with auth off: one client). Stripe scopes keys per account the same way.
 */
export function keyOwnerOf(event: APIGatewayProxyEventV2): string {
  const authorizer = (event.requestContext as { authorizer?: unknown } | undefined)?.authorizer;
  const parsed = jwtClaims.safeParse(authorizer ?? {});
  if (!parsed.success) return 'service';
  const claims = parsed.data.jwt?.claims;
  if (claims) {
    const client = claimText(claims.client_id) ?? claimText(claims.azp) ?? claimText(claims.sub);
    return client === undefined ? 'token' : `client:${client}`;
  }
  const iam = parsed.data.iam;
  const caller = claimText(iam?.userArn) ?? claimText(iam?.callerId);
  return caller === undefined ? 'service' : `iam:${caller}`;
}

/** An Idempotency-Key scoped to this route and this request's client (app/idempotency.ts). */
export function requestIdempotency(
  event: APIGatewayProxyEventV2,
  namespace: KeyNamespace,
  key: string,
  payloadHash: string,
): ScopedIdempotency {
  return scopeIdempotency({ namespace, owner: keyOwnerOf(event) }, key, payloadHash);
}
