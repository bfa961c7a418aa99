import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import type { DepositResult } from '#app/deposit.ts';
import { formatMinor } from '#domain/money.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { metrics } from '#observability/metrics.ts';
import { type HttpResult, jsonResult } from './problem.ts';
import { problem } from './problems.ts';

/** `POST /deposit`'s body, in the original wallet service's field style. */
export const depositBody = z.strictObject(
  {
    WalletID: z.string({
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string'),
    }),
    Amount: z.union([z.number(), z.string()], {
      error: (issue) =>
        issue.input === undefined ? 'is required' : 'must be a JSON number or a decimal string',
    }),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.join(', ')}; expected WalletID and Amount`
        : 'must be a JSON object with WalletID and Amount',
  },
);

/** The 201 body: the original service's field style, amounts as exact JSON numbers. */
export function depositResponse(events: RecordedEvent[]): { statusCode: number; body: string } {
  const [event] = events;
  if (event?.type !== 'Deposited') throw new Error('a deposit decides exactly one Deposited event');
  const body =
    `{"WalletID":${JSON.stringify(event.walletId)},"Amount":${formatMinor(event.data.amountMinor)},` +
    `"Lane":${event.lane},"Version":${event.version},"EventID":${JSON.stringify(event.eventId)},` +
    `"RecordedAt":${JSON.stringify(new Date(event.recordedAtMs).toISOString())}}`;
  return { statusCode: 201, body };
}

/**
 * The answer to a deposit: 201 (or the stored answer again, marked replayed) with the wallet's
 * location, or the problem that says why nothing was recorded.
 */
export function depositAnswer(walletId: string, result: DepositResult, keyed: boolean): HttpResult {
  const location = { location: `/details/${encodeURIComponent(walletId)}` };
  switch (result.kind) {
    case 'recorded':
      metrics.addMetric('DepositsRecorded', MetricUnit.Count, 1);
      if (result.conflicts > 0) metrics.addMetric('VersionConflicts', MetricUnit.Count, result.conflicts);
      return jsonResult(result.response.statusCode, result.response.body, location);
    case 'replayed':
      return jsonResult(result.response.statusCode, result.response.body, {
        ...location,
        'idempotent-replayed': 'true',
      });
    case 'key-reused':
      throw problem(
        'idempotency-key-reused',
        'This Idempotency-Key was already used with a different payload; nothing was changed.',
      );
    case 'contended':
      throw keyed
        ? problem(
            'idempotency-key-in-flight',
            'A request with this Idempotency-Key is still being processed; retry shortly.',
          )
        : problem(
            'wallet-busy',
            `Other writers kept winning the race for this wallet (${result.conflicts} attempts); nothing was recorded. Retry.`,
          );
  }
}
