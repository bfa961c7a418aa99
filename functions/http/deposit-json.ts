import { z } from 'zod';
import { formatMinor } from '#domain/money.ts';
import type { RecordedEvent } from '#domain/wallet.ts';

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
