import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The request as API Gateway's HTTP API JWT authorizer hands it on after verifying a token:
 * `requestContext.authorizer.jwt = { claims, scopes }`.
 */
export function withJwt(
  event: APIGatewayProxyEventV2,
  claims: Record<string, unknown>,
  scopes: string[] | null = ['wallets:read'],
): APIGatewayProxyEventV2 {
  return {
    ...event,
    requestContext: { ...event.requestContext, authorizer: { jwt: { claims, scopes } } },
  } as APIGatewayProxyEventV2;
}
