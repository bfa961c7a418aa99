import { errors as joseErrors, jwtVerify } from 'jose';
import { DEV_ALGORITHM, DEV_AUDIENCE, DEV_ISSUER, type DevIssuer } from '#adapters/local/dev-issuer.ts';
import { sameSecret } from '#http/admin.ts';
import { isAdminRoute } from '#lib/wiring.ts';
import type { JwtAuthorizerContext } from './http-event.ts';
import type { CompiledRoute } from './http-routes.ts';

/**
 * Who may call a route locally, decided before the handler runs, as API Gateway's authorizer does
 * in AWS. Two modes:
 * - `off` (the quick start): no token is checked, except that admin routes need TALLY_ADMIN_TOKEN
 *   when it is set (a local shortcut; AWS has no such token).
 * - `jwt` (`--auth`): API Gateway's JWT authorizer against the local dev issuer, with the scopes of
 *   the wiring table (any of them will do); public routes pass. TALLY_ADMIN_TOKEN, when set, still
 *   opens admin routes.
 */
export type LocalAuthMode = 'off' | 'jwt';

export type AuthVerdict =
  | { kind: 'allow'; jwt?: JwtAuthorizerContext }
  | { kind: 'deny'; status: 401 | 403; code: string; title: string; detail: string; challenge: string };

export interface LocalAuthorizerOptions {
  mode: LocalAuthMode;
  adminToken?: string | undefined;
  /** Required in `jwt` mode. */
  issuer?: DevIssuer;
}

export type LocalAuthorizer = (
  route: CompiledRoute,
  authorization: string | undefined,
) => Promise<AuthVerdict>;

/** True when nothing guards the admin routes: no admin token and no token checks. */
export const adminRoutesOpen = (options: Pick<LocalAuthorizerOptions, 'mode' | 'adminToken'>): boolean =>
  options.mode === 'off' && !options.adminToken;

export function createLocalAuthorizer(options: LocalAuthorizerOptions): LocalAuthorizer {
  const adminToken = options.adminToken || undefined;
  const issuer = options.issuer;
  if (options.mode === 'jwt' && issuer === undefined) throw new Error('jwt mode needs the dev issuer');
  return async (route, authorization) => {
    if ('public' in route.auth) return { kind: 'allow' };
    const presented = bearerToken(authorization);
    const admin = isAdminRoute(route.route);
    if (admin && adminToken !== undefined && presented !== undefined && sameSecret(presented, adminToken)) {
      return { kind: 'allow' };
    }
    if (options.mode === 'off' || issuer === undefined) {
      if (!admin || adminToken === undefined) return { kind: 'allow' };
      return presented === undefined
        ? deny(
            401,
            'This is an admin route: send Authorization: Bearer <TALLY_ADMIN_TOKEN>.',
            'Bearer realm="tally-admin"',
          )
        : deny(403, 'The admin token is not valid.', 'Bearer realm="tally-admin"');
    }
    if (presented === undefined) {
      return deny(
        401,
        'This route needs a token: send Authorization: Bearer <token> (npx tally token --scope …).',
        'Bearer realm="tally-local"',
      );
    }
    const verified = await verify(issuer, presented);
    if ('problem' in verified) {
      return deny(
        401,
        `The token is not valid: ${verified.problem}.`,
        `Bearer realm="tally-local", error="invalid_token", error_description="${verified.problem}"`,
      );
    }
    const needed = route.auth.scopes;
    if (!needed.some((scope) => verified.scopes?.includes(scope))) {
      return deny(
        403,
        `The token lacks the scope this route needs: one of ${needed.join(', ')}.`,
        `Bearer realm="tally-local", error="insufficient_scope", scope="${needed.join(' ')}"`,
      );
    }
    return { kind: 'allow', jwt: verified };
  };
}

/** API Gateway takes the token with or without the `Bearer ` prefix. */
function bearerToken(authorization: string | undefined): string | undefined {
  const value = authorization?.trim() ?? '';
  if (value === '') return undefined;
  const token = /^Bearer\s+(.+)$/i.exec(value)?.[1]?.trim() ?? value;
  return token === '' ? undefined : token;
}

function deny(status: 401 | 403, detail: string, challenge: string): AuthVerdict {
  return status === 401
    ? { kind: 'deny', status, code: 'unauthorized', title: 'Unauthorized', detail, challenge }
    : { kind: 'deny', status, code: 'forbidden', title: 'Forbidden', detail, challenge };
}

async function verify(issuer: DevIssuer, token: string): Promise<JwtAuthorizerContext | { problem: string }> {
  try {
    const { payload } = await jwtVerify(token, issuer.verificationKeys, {
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      algorithms: [DEV_ALGORITHM],
      requiredClaims: ['exp'],
    });
    return { claims: apiGatewayClaims(payload), scopes: scopesOf(payload) };
  } catch (error) {
    return { problem: describeJoseError(error) };
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'the token is from another issuer';
    if (error.claim === 'aud') return 'the token is for another audience';
    return `its ${error.claim} claim is not valid`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'it is signed by an unknown key';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  return 'it is not a well-formed JWT';
}

/** The `scope` claim (space-separated) as API Gateway splits it; `scp` arrays as some IdPs send them. */
function scopesOf(payload: Record<string, unknown>): string[] | null {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter((scope) => scope !== '');
  if (Array.isArray(payload.scp))
    return payload.scp.filter((scope): scope is string => typeof scope === 'string');
  return null;
}

/**
 * Claims as API Gateway's HTTP API hands them to the integration: every value flattened to a
 * string (numbers and booleans as text, arrays as `[a b]`).
 */
function apiGatewayClaims(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) claims[name] = `[${value.map(String).join(' ')}]`;
    else if (typeof value === 'object') claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}
