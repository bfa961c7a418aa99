import { type HoldAction, type HoldDeps, holdAction } from '#app/holds.ts';
import { holdDeps } from '#composition/holds.ts';
import { hashing } from '#composition/lambda.ts';
import { parseAssetAmount, type RecordedEvent } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { type HttpRequest, httpHandler, httpRoute, walletInPath } from '#http/handler.ts';
import { captureBody, holdJson, placeBody } from '#http/holds-json.ts';
import { requestIdempotency } from '#http/idempotency-scope.ts';
import { badRequest } from '#http/problem.ts';
import { parseWith } from '#http/request.ts';
import { DAY_SECONDS, requiredKey, tradeAnswer } from '#http/trading-json.ts';

/** The action a route and body ask for; amounts checked as transfers check them. */
function actionOf(request: HttpRequest): HoldAction {
  const { routeKey, body: raw } = request.event;
  if (routeKey.endsWith('/holds')) {
    const body = parseWith(placeBody, request.json());
    return {
      kind: 'place',
      asset: body.asset,
      amount: parseAssetAmount(body.asset, body.amount),
      expiresInMs: (body.expiresInSeconds ?? DAY_SECONDS) * 1000,
      ...(body.memo === undefined ? {} : { memo: body.memo }),
    };
  }
  const holdId = request.param('hold_id');
  if (holdId === undefined || holdId === '') throw badRequest('invalid-hold-id', 'The path names no hold.');
  if (routeKey.endsWith('/release')) return { kind: 'release', holdId };
  const body = raw ? parseWith(captureBody, request.json()) : {};
  return {
    kind: 'capture',
    holdId,
    // Parsed against the hold's asset, which only the wallet's state knows (see holds.ts).
    ...(body.amount === undefined ? {} : { amount: body.amount }),
    ...(body.to === undefined ? {} : { to: parseWalletId(body.to) }),
  };
}

/** `POST /wallets/{wallet_id}/holds`, `…/holds/{hold_id}/capture`, `…/release`: one use case each. */
export const makeHoldsHandler = (deps: () => HoldDeps, fingerprint = hashing.fingerprint) =>
  httpRoute({
    wallets: walletInPath,
    deps,
    run: async (request, deps) => {
      const walletId = parseWalletId(request.param('wallet_id'));
      const action = actionOf(request);
      const key = requiredKey(request.event, 'Holds need an Idempotency-Key header.');
      const payloadHash = fingerprint({ operation: `hold-${action.kind}`, walletId, ...action });
      const respond = (events: readonly RecordedEvent[]) => ({
        statusCode: action.kind === 'place' ? 201 : 200,
        body: holdJson(walletId, events[0]),
      });
      return tradeAnswer(
        await holdAction(
          deps,
          { walletId, idempotency: requestIdempotency(request.event, 'holds', key, payloadHash), respond },
          action,
        ),
      );
    },
  });

export const handler = httpHandler(makeHoldsHandler(holdDeps));
