import { auditTrail } from '#app/queries/audit-trail.ts';
import { pointsExplained } from '#app/queries/points.ts';
import { auditTrailAt, awardsAt, walletLogAt } from '#app/queries/reads-at.ts';
import { verifyWallet } from '#app/queries/verify.ts';
import { type WalletViewDeps, walletAsOf, walletNow } from '#app/queries/wallet-view.ts';
import { walletReadDeps } from '#composition/lambda.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { auditEventJson } from '#http/audit-json.ts';
import { type HttpRequest, httpHandler, httpRoute, walletInPath } from '#http/handler.ts';
import { isServiceOrAdmin } from '#http/principal.ts';
import { type HttpResult, jsonResult, walletNotFound } from '#http/problem.ts';
import { nextCursor, pageQuery, parseAsOf, parseCut, parseFull, parseKnownAt } from '#http/query.ts';
import { awardsJson, walletJson } from '#http/wallet-json.ts';

const json = (body: unknown) => jsonResult(200, JSON.stringify(body));

/** `GET /wallets/{wallet_id}` with `/points`, `/events` and `/verify`: one read query each. */
async function answer(request: HttpRequest, deps: WalletViewDeps): Promise<HttpResult> {
  const walletId = parseWalletId(request.param('wallet_id'));
  const { events, readModels } = deps.stores;
  const route = request.event.routeKey;
  // `?asOf=&knownAt=` on the listings: the log cut in memory (app/queries/reads-at.ts).
  const cut = route.endsWith('/points') || route.endsWith('/events') ? parseCut(request.query) : undefined;
  const logAtCut = cut === undefined ? undefined : await walletLogAt(events, walletId, cut);
  if (cut !== undefined && logAtCut === undefined) throw walletNotFound(walletId);
  if (route.endsWith('/points')) {
    const query = pageQuery(request.query);
    const page =
      logAtCut === undefined ? await pointsExplained(events, walletId, query) : awardsAt(logAtCut, query);
    if (page === undefined) throw walletNotFound(walletId);
    return json({ walletId, awards: awardsJson(page.items), nextCursor: nextCursor(page.next) });
  }
  if (route.endsWith('/events')) {
    const query = pageQuery(request.query);
    const page =
      logAtCut === undefined
        ? await auditTrail(events, readModels, walletId, query)
        : auditTrailAt(logAtCut, query);
    if (page === undefined) throw walletNotFound(walletId);
    const withKeys = isServiceOrAdmin(request.principal);
    const listed = page.items.map((event) => auditEventJson(event, page.correctedBy, withKeys));
    return json({ walletId, events: listed, nextCursor: nextCursor(page.next) });
  }
  if (route.endsWith('/verify')) {
    const checkpoints = await deps.checkpoints?.();
    const result = await verifyWallet(
      { events, readModels, ...(checkpoints === undefined ? {} : { checkpoints }) },
      walletId,
      { full: parseFull(request.query.full) },
    );
    if (result === undefined) throw walletNotFound(walletId);
    return json({ walletId, ...result });
  }
  const { asOf, knownAt } = request.query;
  const at = {
    ...(asOf === undefined ? {} : { asOf: parseAsOf(asOf) }),
    ...(knownAt === undefined ? {} : { knownAtMs: parseKnownAt(knownAt) }),
  };
  const view = await (asOf === undefined && knownAt === undefined
    ? walletNow(deps, walletId)
    : walletAsOf(deps, walletId, at));
  if (view === undefined) throw walletNotFound(walletId);
  return jsonResult(200, walletJson(walletId, view, { asOf, knownAt }));
}

export const makeWalletsHandler = (deps: () => Promise<WalletViewDeps>) =>
  httpRoute({ wallets: walletInPath, deps, run: answer });

export const handler = httpHandler(makeWalletsHandler(walletReadDeps));
