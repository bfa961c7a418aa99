import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { storesFromEnv } from '#adapters/dynamodb/stores.ts';
import type { HoldDeps } from '#app/holds.ts';
import { acceptOffer, cancelOffer, type Offer, type OfferResult, openOffer, readOffer } from '#app/offers.ts';
import { contendedProblem, problemOf, WRITE_OUTCOMES } from '#app/outcomes.ts';
import { DomainError } from '#domain/errors.ts';
import { formatMinor } from '#domain/money.ts';
import { type Asset, parseAssetAmount } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { badRequest, HttpProblem, type HttpResult, jsonResult } from '#http/problem.ts';
import { idempotencyKey, parseJsonBody, parseWith } from '#http/request.ts';

const DAY_SECONDS = 86_400;
const asset = z.enum(['money', 'points']);
const amount = z.union([z.number(), z.string()]);
const openBody = z.strictObject({
  seller: z.string(),
  asset,
  amount,
  price: z.strictObject({ asset, amount }),
  expiresInSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * DAY_SECONDS)
    .optional(),
});
const acceptBody = z.strictObject({ buyer: z.string() });

const amountJson = (of: Asset, value: bigint) => (of === 'money' ? formatMinor(value) : value.toString());

function offerJson(offer: Offer): string {
  return (
    `{"offerId":${JSON.stringify(offer.offerId)},"seller":${JSON.stringify(offer.seller)},"asset":"${offer.asset}",` +
    `"amount":${amountJson(offer.asset, offer.amount)},"price":{"asset":"${offer.price.asset}","amount":${amountJson(offer.price.asset, offer.price.amount)}},` +
    `"status":"${offer.status}","expiresAt":"${new Date(offer.expiresAtMs).toISOString()}"` +
    `${offer.buyer === undefined ? '' : `,"buyer":${JSON.stringify(offer.buyer)}`}}`
  );
}

function answer(result: OfferResult): HttpResult {
  switch (result.kind) {
    case 'recorded':
      return jsonResult(result.response.statusCode, result.response.body);
    case 'replayed':
      return jsonResult(result.response.statusCode, result.response.body, { 'idempotent-replayed': 'true' });
    case 'rejected':
      throw new HttpProblem(problemOf(result.error));
    case 'key-reused':
      throw new HttpProblem({
        ...WRITE_OUTCOMES['key-reused'],
        detail: 'This Idempotency-Key was already used with a different payload; nothing was changed.',
      });
    case 'unchanged':
    case 'contended':
      throw new HttpProblem(contendedProblem());
  }
}

/** POST /offers, POST /offers/{id}/accept|cancel, GET /offers/{id}: parse, one use case, answer. */
export function makeOffersHandler(deps: () => HoldDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const offerId = event.pathParameters?.offer_id;
    if (event.requestContext.http.method === 'GET') {
      const found =
        offerId === undefined ? undefined : await readOffer(deps().store, offerId, deps().clock.nowMs());
      if (found === undefined)
        throw new HttpProblem(problemOf(new DomainError('offer_not_found', `No offer ${offerId}.`)));
      const history = found.history.map((recorded) => ({
        eventId: recorded.eventId,
        type: recorded.type,
        walletId: recorded.walletId,
        recordedAt: new Date(recorded.recordedAtMs).toISOString(),
      }));
      return jsonResult(200, `${offerJson(found.offer).slice(0, -1)},"history":${JSON.stringify(history)}}`);
    }
    const key = idempotencyKey(event);
    if (key === undefined)
      throw badRequest('missing-idempotency-key', 'Offers need an Idempotency-Key header.');
    const respond = (status: number) => (offer: Offer) => ({ statusCode: status, body: offerJson(offer) });
    if (offerId === undefined) {
      const body = parseWith(openBody, parseJsonBody(event));
      const input = {
        seller: parseWalletId(body.seller),
        asset: body.asset,
        amount: parseAssetAmount(body.asset, body.amount),
        price: { asset: body.price.asset, amount: parseAssetAmount(body.price.asset, body.price.amount) },
        expiresInMs: (body.expiresInSeconds ?? DAY_SECONDS) * 1000,
      };
      const payloadHash = sha256Hex(canonicalJson({ operation: 'offer-open', ...input }));
      return answer(
        await openOffer(deps(), { ...input, idempotency: { key, payloadHash }, respond: respond(201) }),
      );
    }
    if (event.routeKey.endsWith('/cancel')) {
      const payloadHash = sha256Hex(canonicalJson({ operation: 'offer-cancel', offerId }));
      return answer(
        await cancelOffer(deps(), { offerId, idempotency: { key, payloadHash }, respond: respond(200) }),
      );
    }
    const buyer = parseWalletId(parseWith(acceptBody, parseJsonBody(event)).buyer);
    const payloadHash = sha256Hex(canonicalJson({ operation: 'offer-accept', offerId, buyer }));
    return answer(
      await acceptOffer(deps(), { offerId, buyer, idempotency: { key, payloadHash }, respond: respond(200) }),
    );
  };
}

export const handler = middy(
  makeOffersHandler(() => ({ store: storesFromEnv().events, clock: systemClock, ids: randomIds })),
)
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
