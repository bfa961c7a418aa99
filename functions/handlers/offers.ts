import type { HoldDeps } from '#app/holds.ts';
import { acceptOffer, cancelOffer, openOffer, readOffer, sellerOf } from '#app/offers.ts';
import { listOffers, type OfferBookDeps } from '#app/queries/offer-book.ts';
import { offerDeps } from '#composition/holds.ts';
import { hashing } from '#composition/lambda.ts';
import { DomainError } from '#domain/errors.ts';
import { parseAssetAmount } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { type HttpRequest, httpHandler, httpRoute, walletInBody } from '#http/handler.ts';
import { requestIdempotency } from '#http/idempotency-scope.ts';
import { offerBookJson, offerBookQuery } from '#http/offer-book-json.ts';
import { acceptBody, offerResponse, offerWithHistoryJson, openBody } from '#http/offers-json.ts';
import type { WalletReach } from '#http/principal.ts';
import { jsonResult } from '#http/problem.ts';
import { domainProblem } from '#http/problems.ts';
import { parseWith } from '#http/request.ts';
import { DAY_SECONDS, requiredKey, tradeAnswer } from '#http/trading-json.ts';

/**
 * Who an offer route acts for: opening and cancelling act for the seller (a cancel's seller is
 * in the offer id), accepting for the buyer. Reading is not checked: the book is public.
 */
function offerWallets(request: HttpRequest): WalletReach {
  const offerId = request.param('offer_id');
  if (request.method === 'GET') return [];
  if (offerId === undefined) return walletInBody('seller')(request);
  if (request.event.routeKey.endsWith('/cancel')) {
    const seller = sellerOf(offerId);
    return seller === undefined ? [] : [seller];
  }
  return walletInBody('buyer')(request);
}

/**
 * `POST /offers`, `POST /offers/{offer_id}/accept|cancel`, `GET /offers` (the book) and
 * `GET /offers/{offer_id}`: one use case each.
 */
export const makeOffersHandler = (deps: () => HoldDeps & OfferBookDeps, fingerprint = hashing.fingerprint) =>
  httpRoute({
    wallets: offerWallets,
    deps,
    run: async (request, deps) => {
      const offerId = request.param('offer_id');
      if (request.method === 'GET') {
        if (offerId === undefined) {
          const query = offerBookQuery(request.query);
          return jsonResult(200, offerBookJson(query, await listOffers(deps, query)));
        }
        const found = await readOffer(deps.store, offerId, deps.clock.nowMs());
        if (found === undefined)
          throw domainProblem(new DomainError('offer_not_found', `No offer ${offerId}.`));
        return jsonResult(200, offerWithHistoryJson(found.offer, found.history));
      }
      const key = requiredKey(request.event, 'Offers need an Idempotency-Key header.');
      const scoped = (payloadHash: string) => requestIdempotency(request.event, 'offers', key, payloadHash);
      if (offerId === undefined) {
        const body = parseWith(openBody, request.json());
        const input = {
          seller: parseWalletId(body.seller),
          asset: body.asset,
          amount: parseAssetAmount(body.asset, body.amount),
          price: { asset: body.price.asset, amount: parseAssetAmount(body.price.asset, body.price.amount) },
          expiresInMs: (body.expiresInSeconds ?? DAY_SECONDS) * 1000,
        };
        const idempotency = scoped(fingerprint({ operation: 'offer-open', ...input }));
        return tradeAnswer(await openOffer(deps, { ...input, idempotency, respond: offerResponse(201) }));
      }
      if (request.event.routeKey.endsWith('/cancel')) {
        const idempotency = scoped(fingerprint({ operation: 'offer-cancel', offerId }));
        return tradeAnswer(await cancelOffer(deps, { offerId, idempotency, respond: offerResponse(200) }));
      }
      const buyer = parseWalletId(parseWith(acceptBody, request.json()).buyer);
      const idempotency = scoped(fingerprint({ operation: 'offer-accept', offerId, buyer }));
      return tradeAnswer(
        await acceptOffer(deps, { offerId, buyer, idempotency, respond: offerResponse(200) }),
      );
    },
  });

export const handler = httpHandler(makeOffersHandler(offerDeps));
