import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { type ObservedOptions, observed } from '#observability/middleware.ts';
import { logger } from '#observability/powertools.ts';
import { problemErrors } from './middleware.ts';
import { assertWalletAccess, type Principal, principalOf, type WalletReach } from './principal.ts';
import type { HttpResult } from './problem.ts';
import { assertBodySize, BODY_BYTES_MAX, parseJsonBody } from './request.ts';

/** One HTTP request as a route's code sees it: the event, who sent it, and its JSON body parsed once. */
export interface HttpRequest {
  readonly event: APIGatewayProxyEventV2;
  readonly principal: Principal;
  /** The path parameter, undefined when the route has none of that name. */
  param(name: string): string | undefined;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly method: string;
  /** API Gateway's id of this request (absent in hand-made test events): what log lines correlate by. */
  readonly requestId: string | undefined;
  /** The JSON body (400/413 problems as parseJsonBody says); parsed on first call, then kept. */
  json(): unknown;
}

export interface HttpRoute<D> {
  /** Bodies over this many bytes are answered 413 (default BODY_BYTES_MAX, 64 KiB). */
  bodyBytesMax?: number;
  /** The 413's detail, when the route says its limit in its own words. */
  bodyTooLarge?: string;
  /**
   * An admin route: with TALLY_ADMIN_TOKEN set, a service caller must present it (the local
   * shortcut). `authorize` is the check (http/admin.ts `authorizeAdmin`), named by the admin routes
   * so that no other route bundles it.
   */
  admin?: {
    token: () => string | undefined;
    when?: (request: HttpRequest) => boolean;
    authorize: (event: APIGatewayProxyEventV2, token: string | undefined) => void;
  };
  /** The wallets the request touches, read before any dependency is loaded or table read. */
  wallets?: (request: HttpRequest) => WalletReach;
  /** The use case's dependencies, from the composition root; loaded only once the request is allowed. */
  deps: () => D | Promise<D>;
  /** Parse the rest, call one use case, map its result to a response. */
  run: (request: HttpRequest, deps: D) => Promise<HttpResult>;
}

export type HttpCore = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/**
 * A route's code with the checks every route runs first, in this order: who is calling, the
 * local admin token, the body size, and whether the caller may touch the wallets the request
 * names. Only then are dependencies loaded. Throws problems; `httpHandler` maps them.
 */
export function httpRoute<D>(route: HttpRoute<D>): HttpCore {
  return async (event) => {
    const request = httpRequest(event);
    if (route.admin !== undefined && (route.admin.when?.(request) ?? true)) {
      // A verified token's scopes were checked by the authorizer; the token shortcut is for service callers.
      if (request.principal.kind === 'service') route.admin.authorize(event, route.admin.token());
    }
    assertBodySize(event, route.bodyBytesMax ?? BODY_BYTES_MAX, route.bodyTooLarge);
    if (route.wallets !== undefined) assertWalletAccess(request.principal, route.wallets(request));
    return route.run(request, await route.deps());
  };
}

/** The Lambda entry for a route: Powertools logging (and metrics), and every error as a problem. */
export function httpHandler(core: HttpCore, options: ObservedOptions = {}) {
  return observed((event: APIGatewayProxyEventV2, _context: Context) => core(event), options).use(
    problemErrors(logger),
  );
}

function httpRequest(event: APIGatewayProxyEventV2): HttpRequest {
  const principal = principalOf(event);
  let body: { value: unknown } | undefined;
  return {
    event,
    principal,
    param: (name) => event.pathParameters?.[name],
    query: event.queryStringParameters ?? {},
    method: event.requestContext.http.method.toUpperCase(),
    requestId:
      typeof event.requestContext.requestId === 'string' ? event.requestContext.requestId : undefined,
    json: () => {
      body ??= { value: parseJsonBody(event) };
      return body.value;
    },
  };
}

/** The wallet in the path (`{wallet_id}`). */
export const walletInPath = (request: HttpRequest): WalletReach => {
  const walletId = request.param('wallet_id');
  return walletId === undefined ? [] : [walletId];
};

/** The wallet a JSON body names in `field` (the use case validates the body properly later). */
export const walletInBody =
  (field: string) =>
  (request: HttpRequest): WalletReach => {
    const walletId = stringField(request.json(), field);
    return walletId === undefined ? [] : [walletId];
  };

/** A field of a JSON object body when it is a string (the use case validates it properly later). */
export function stringField(body: unknown, field: string): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}
