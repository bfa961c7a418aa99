import { Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RouteAuthorization } from './api.ts';
import type { CognitoIssuer } from './cognito-issuer.ts';

/**
 * How API Gateway authorizes the non-public routes. There is no "off": an API without an authorizer
 * would let anyone credit any wallet.
 */
export type ApiAuth =
  /**
   * An OIDC issuer (Cognito, Auth0, Okta, Keycloak, ...): API Gateway's JWT authorizer checks the
   * signature against the issuer's JWKS, `iss`, `aud` (or Cognito's `client_id`), expiry, and that
   * the token's `scope` claim holds one of the route's scopes.
   */
  | {
      kind: 'jwt';
      issuer: string;
      audience: readonly [string, ...string[]];
      /** Put before every wiring scope, for issuers that namespace scopes (`tally/` for Cognito). */
      scopePrefix?: string;
    }
  /** SigV4-signed calls from IAM principals (service-to-service); scopes map to IAM policies. */
  | { kind: 'iam' }
  /** A Cognito user pool created with the stack (CognitoIssuer), used as the JWT issuer. */
  | { kind: 'cognito'; domainPrefix?: string };

const HELP =
  'Pass -c jwtIssuer=https://your-idp/ -c jwtAudience=your-api (any OIDC issuer), -c cognito=true (a Cognito user pool created with the stack), or -c auth=iam (SigV4, service-to-service). See "Authorization" in the README and docs/authorization.md.';

/** Reads the authorization mode from the CDK context; throws when none is given. */
export function apiAuthFromContext(scope: Construct): ApiAuth {
  const text = (key: string): string | undefined => {
    const value: unknown = scope.node.tryGetContext(key);
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'boolean') {
      throw new Error(`context ${key} must be a string`);
    }
    return String(value);
  };
  const mode = text('auth');
  const issuer = text('jwtIssuer');
  const audience = text('jwtAudience');
  const cognito = text('cognito') === 'true';
  if (mode !== undefined && mode !== 'jwt' && mode !== 'iam' && mode !== 'cognito') {
    throw new Error(`context auth must be jwt, iam or cognito, got ${JSON.stringify(mode)}. ${HELP}`);
  }
  const chosen = [mode === 'iam', cognito || mode === 'cognito', issuer !== undefined].filter(Boolean);
  if (chosen.length > 1) {
    throw new Error(`choose one authorization mode: auth=iam, cognito=true, or jwtIssuer. ${HELP}`);
  }
  if (mode === 'iam') return { kind: 'iam' };
  if (cognito || mode === 'cognito') {
    const domainPrefix = text('cognitoDomainPrefix');
    return domainPrefix === undefined ? { kind: 'cognito' } : { kind: 'cognito', domainPrefix };
  }
  if (issuer === undefined) {
    throw new Error(`Tally will not synthesize an API without authorization: no JWT issuer given. ${HELP}`);
  }
  const audiences = (audience ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const [first, ...rest] = audiences;
  if (first === undefined) throw new Error(`context jwtIssuer needs jwtAudience (comma-separated). ${HELP}`);
  const scopePrefix = text('jwtScopePrefix');
  return validateApiAuth({
    kind: 'jwt',
    issuer,
    audience: [first, ...rest],
    ...(scopePrefix === undefined ? {} : { scopePrefix }),
  });
}

/** API Gateway accepts only https issuers; a typo here would lock every caller out. */
export function validateApiAuth(auth: ApiAuth): ApiAuth {
  if (auth.kind !== 'jwt' || Token.isUnresolved(auth.issuer)) return auth;
  let url: URL;
  try {
    url = new URL(auth.issuer);
  } catch {
    throw new Error(`jwtIssuer must be an https URL, got ${JSON.stringify(auth.issuer)}`);
  }
  if (url.protocol !== 'https:') throw new Error(`jwtIssuer must be an https URL, got ${auth.issuer}`);
  return auth;
}

/** Cognito is a JWT issuer like any other once created: its provider URL, client id and `tally/`. */
export function routeAuthorization(auth: ApiAuth, cognito: CognitoIssuer | undefined): RouteAuthorization {
  switch (auth.kind) {
    case 'iam':
      return { kind: 'iam' };
    case 'jwt':
      return {
        kind: 'jwt',
        issuer: auth.issuer,
        audience: auth.audience,
        scopePrefix: auth.scopePrefix ?? '',
      };
    case 'cognito':
      if (cognito === undefined) throw new Error('cognito authorization without the Cognito issuer');
      return {
        kind: 'jwt',
        issuer: cognito.issuer,
        audience: [cognito.serviceClient.userPoolClientId],
        scopePrefix: cognito.scopePrefix,
      };
    default: {
      const unknownAuth: never = auth;
      throw new Error(`unknown auth ${JSON.stringify(unknownAuth)}`);
    }
  }
}
