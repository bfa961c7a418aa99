import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { HttpProblem } from './problem.ts';

/**
 * Who is calling, as API Gateway's HTTP API JWT authorizer hands it over (the local runtime with
 * `--auth` builds the same shape). The authorizer has already checked the signature, issuer,
 * audience, expiry and the route's scopes; what it cannot check is which wallets a token may
 * touch, and that is decided here, in one place.
 *
 * - `service`: no authorizer context (auth off locally, or IAM): may act on any wallet.
 * - `token` without a `wallet_ids` claim: a service token, any wallet its scopes allow.
 * - `token` with `wallet_ids`: only those wallets; an empty or unreadable claim allows none.
 */
export type Principal =
  | { kind: 'service' }
  | { kind: 'token'; scopes: ReadonlySet<string>; walletIds: ReadonlySet<string> | 'any' };

/** The wallets a request touches: none, some, or every wallet (a job over the whole table). */
export type WalletReach = readonly string[] | 'every';

export const WALLET_IDS_CLAIM = 'wallet_ids';

const claimValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.unknown())]);
const jwtContext = z.object({
  claims: z.nullish(z.record(z.string(), z.nullish(claimValue))),
  scopes: z.nullish(z.array(z.string())),
});

const words = (text: string): string[] => text.split(/\s+/).filter((word) => word !== '');

/**
 * `wallet_ids` as a token may carry it: a space-separated string (`"w1 w2"`), API Gateway's
 * rendering of an array claim (`"[w1 w2]"`), JSON text of an array, or a real JSON array.
 * Anything else reads as no wallets at all: a restriction that cannot be read restricts to nothing.
 */
export function walletIdsClaim(value: unknown): ReadonlySet<string> {
  if (Array.isArray(value)) {
    return new Set(value.filter((item): item is string => typeof item === 'string' && item !== ''));
  }
  if (typeof value !== 'string') return new Set();
  const text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return walletIdsClaim(parsed);
    } catch {
      // Not JSON: API Gateway writes an array claim as `[w1 w2]`, unquoted.
    }
    return new Set(words(text.slice(1, -1)));
  }
  return new Set(words(text));
}

/** The principal of a request; a malformed authorizer context is refused, never read as "service". */
export function principalOf(event: APIGatewayProxyEventV2): Principal {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: unknown } } | undefined)?.authorizer;
  if (authorizer?.jwt === undefined || authorizer.jwt === null) return { kind: 'service' };
  const parsed = jwtContext.safeParse(authorizer.jwt);
  if (!parsed.success) {
    throw new HttpProblem({
      status: 401,
      code: 'unauthorized',
      title: 'Unauthorized',
      detail: 'The token could not be read.',
    });
  }
  const claims = parsed.data.claims ?? {};
  const scopeClaim = claims.scope;
  const scopes = parsed.data.scopes ?? (typeof scopeClaim === 'string' ? words(scopeClaim) : []);
  const restriction = claims[WALLET_IDS_CLAIM];
  return {
    kind: 'token',
    scopes: new Set(scopes),
    walletIds: restriction === undefined || restriction === null ? 'any' : walletIdsClaim(restriction),
  };
}

export const isServiceOrAdmin = (principal: Principal): boolean =>
  principal.kind === 'service' || principal.scopes.has('admin');

/** Throws 403 `forbidden-wallet` unless the principal may act on every wallet the request reaches. */
export function assertWalletAccess(principal: Principal, reach: WalletReach): void {
  if (principal.kind === 'service' || principal.walletIds === 'any') return;
  const allowed = principal.walletIds;
  const foreign = reach === 'every' ? undefined : reach.find((walletId) => !allowed.has(walletId));
  if (reach !== 'every' && foreign === undefined) return;
  throw new HttpProblem({
    status: 403,
    code: 'forbidden-wallet',
    title: 'Forbidden',
    detail:
      reach === 'every'
        ? 'This token is limited to its own wallets; it cannot act on every wallet.'
        : `This token is limited to its own wallets; ${foreign?.slice(0, 128)} is not one of them.`,
  });
}
