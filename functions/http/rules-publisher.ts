import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const NAME_MAX = 200;

const textOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value.slice(0, NAME_MAX) : undefined;

/**
 * Who is publishing, as a rule set version records it: a token's `sub` (else its `client_id`),
 * `iam:<caller>` for a signed AWS call, and `local` when nothing names the caller (the local
 * runtime without `--auth`, where the admin token is a shared secret, not an identity).
 */
export function publisherOf(event: APIGatewayProxyEventV2): string {
  const authorizer = (event.requestContext as { authorizer?: Record<string, unknown> } | undefined)
    ?.authorizer;
  const jwt = authorizer?.jwt as { claims?: Record<string, unknown> } | undefined;
  const fromToken = textOf(jwt?.claims?.sub) ?? textOf(jwt?.claims?.client_id);
  if (fromToken !== undefined) return fromToken;
  const iam = authorizer?.iam as { userArn?: unknown; callerId?: unknown } | undefined;
  const caller = textOf(iam?.userArn) ?? textOf(iam?.callerId);
  if (caller !== undefined) return `iam:${caller}`;
  return 'local';
}
