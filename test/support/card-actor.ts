import { type CardAction, type CardDeps, cardAction } from '#app/cards.ts';

/**
 * Card actions on account `a1`, each keyed by `key` (its own payload hash), answering 201 with the
 * authorization's id: what the card tests send through the use case.
 */
export const cardActor =
  (deps: CardDeps) =>
  (key: string, action: CardAction): ReturnType<typeof cardAction> =>
    cardAction(
      deps,
      {
        accountId: 'a1',
        idempotency: { key, payloadHash: key },
        respond: (_events, { authorizationId }) => ({ statusCode: 201, body: authorizationId ?? '' }),
      },
      action,
    );
