import { formatMinor } from '#domain/money.ts';
import { assertNever, type RecordedEvent } from '#domain/wallet.ts';
import { accountEventData, amountJson, auditBase, iso } from './account-audit-json.ts';

export { amountJson } from './account-audit-json.ts';

/**
 * One stored event as the audit trail shows it: amounts as decimal text, times as ISO 8601.
 * `withKeys`: see auditBase (account-audit-json.ts, which renders a card account's events).
 */
export function auditEventJson(
  event: RecordedEvent,
  correctedBy: ReadonlyMap<string, string[]>,
  withKeys: boolean,
) {
  const base = auditBase(event, withKeys);
  const corrections = correctedBy.get(`${event.lane}:${event.version}`);
  const annotated = corrections === undefined ? {} : { correctedBy: corrections };
  switch (event.type) {
    case 'Deposited':
      return {
        ...base,
        data: {
          amount: formatMinor(event.data.amountMinor),
          time: iso(event.data.occurredAtMs),
          ...(event.data.factId === undefined ? {} : { factId: event.data.factId }),
        },
        ...annotated,
      };
    case 'FactRecorded':
      return {
        ...base,
        data: {
          factId: event.data.factId,
          source: event.data.source,
          factType: event.data.factType,
          time: iso(event.data.occurredAtMs),
          data: JSON.parse(event.data.dataJson) as unknown,
          ...(event.data.ruleSetVersion === undefined ? {} : { ruleSetVersion: event.data.ruleSetVersion }),
        },
        ...annotated,
      };
    case 'PointsAwarded':
    case 'PointsAdjusted':
      return { ...base, data: { ...event.data, points: Number(event.data.points) } };
    case 'RulesApplied':
      return {
        ...base,
        data: {
          ruleSetVersion: event.data.ruleSetVersion,
          from: event.data.fromMs === undefined ? null : iso(event.data.fromMs),
          to: event.data.toMs === undefined ? null : iso(event.data.toMs),
          causeId: event.data.causeId,
        },
      };
    case 'EventCorrected':
      return {
        ...base,
        data: {
          target: event.data.target,
          action: event.data.action,
          reason: event.data.reason,
          ...(event.data.deposit === undefined
            ? {}
            : {
                deposit: {
                  amount: formatMinor(event.data.deposit.amountMinor),
                  time: iso(event.data.deposit.occurredAtMs),
                },
              }),
          ...(event.data.fact === undefined
            ? {}
            : {
                fact: {
                  time: iso(event.data.fact.occurredAtMs),
                  data: JSON.parse(event.data.fact.dataJson) as unknown,
                },
              }),
        },
      };
    case 'HoldPlaced': {
      // An offer's hold carries its price (a bigint): as JSON, the same decimal or whole number as amounts.
      const { offer } = event.data;
      const price = offer?.price;
      return {
        ...base,
        data: {
          ...event.data,
          amount: amountJson(event.data.asset, event.data.amount),
          expiresAt: iso(event.data.expiresAtMs),
          ...(price === undefined
            ? {}
            : { offer: { price: { asset: price.asset, amount: amountJson(price.asset, price.amount) } } }),
        },
      };
    }
    case 'HoldCaptured':
    case 'HoldReleased':
    case 'AccountOpened':
    case 'CreditLimitChanged':
    case 'AuthorizationDecided':
    case 'PaymentSubmitted':
    case 'PaymentReturned':
    case 'PaymentReturnParked':
      return { ...base, data: accountEventData(event) };
    case 'TransferredOut':
    case 'TransferredIn':
      return { ...base, data: { ...event.data, amount: amountJson(event.data.asset, event.data.amount) } };
    case 'PaymentRequested': {
      const { order, amountMinor, points, ...data } = event.data;
      return {
        ...base,
        data: {
          ...data,
          points: Number(points),
          amount: formatMinor(amountMinor),
          ...(order === undefined
            ? {}
            : {
                order: {
                  merchant: order.merchant,
                  price: formatMinor(order.priceMinor),
                  pointsValue: formatMinor(order.pointsValueMinor),
                  holdId: order.holdId,
                  expiresAt: iso(order.expiresAtMs),
                },
              }),
        },
      };
    }
    case 'PaymentSucceeded': {
      const { amountMinor, points, ...data } = event.data;
      return { ...base, data: { ...data, points: Number(points), amount: formatMinor(amountMinor) } };
    }
    case 'PaymentFailed':
      return { ...base, data: event.data };
    case 'PaymentRefunded': {
      const { amountMinor, refundedTotalMinor, points, ...data } = event.data;
      return {
        ...base,
        data: {
          ...data,
          points: Number(points),
          amount: formatMinor(amountMinor),
          refundedTotal: formatMinor(refundedTotalMinor),
        },
      };
    }
    default:
      return assertNever(event);
  }
}
