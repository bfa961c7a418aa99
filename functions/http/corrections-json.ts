import * as z from 'zod/mini';
import type { CorrectionInput, CorrectionResult } from '#app/corrections.ts';
import { viewSummaryJson } from '#app/replay.ts';
import { rfc3339Time } from '#app/rfc3339-time.ts';
import { parseAmountMinor } from '#domain/money.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import type { WalletView } from '#domain/wallet-view.ts';

/** `POST /wallets/{wallet_id}/corrections`'s body. */
export const correctionBody = z
  .strictObject({
    eventId: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(255)),
    action: z.enum(['void', 'amend'], { error: 'must be "void" or "amend"' }),
    reason: z
      .string()
      .check(z.trim(), z.minLength(1, 'is required: say why, for the audit trail'), z.maxLength(1_000)),
    data: z.optional(
      z.strictObject({
        amount: z.optional(z.union([z.string(), z.number()])),
        time: z.optional(rfc3339Time),
        data: z.optional(z.unknown()),
      }),
    ),
  })
  .check(
    z.superRefine((body, ctx) => {
      const fields = body.data === undefined ? [] : Object.keys(body.data);
      if (body.action === 'amend' && fields.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['data'],
          message: 'amend needs data: {amount?, time?} for a deposit, {data?, time?} for a fact',
        });
      }
      if (body.action === 'void' && body.data !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['data'], message: 'void takes no data' });
      }
    }),
  );

/** The use case's input from a parsed body. */
export function correctionInput(walletId: string, body: z.infer<typeof correctionBody>): CorrectionInput {
  const data = body.data ?? {};
  const amend: CorrectionInput['amend'] = {
    ...(data.amount === undefined ? {} : { amountMinor: parseAmountMinor(data.amount) }),
    ...(data.time === undefined ? {} : { occurredAtMs: Date.parse(data.time) }),
    // The fact's data is kept as JSON text, as it arrives on the bus.
    ...('data' in data ? { dataJson: JSON.stringify(data.data ?? null) } : {}),
  };
  return {
    walletId,
    reference: body.eventId,
    action: body.action,
    reason: body.reason,
    ...(body.action === 'amend' ? { amend } : {}),
  };
}

const eventRef = (event: RecordedEvent) => ({
  eventId: event.eventId,
  type: event.type,
  lane: event.lane,
  version: event.version,
});

/** The answer: what was corrected, by which events, and the wallet before and after. */
export function correctionJson(
  walletId: string,
  result: Extract<CorrectionResult, { kind: 'recorded' | 'unchanged' }>,
  before: WalletView,
  after: WalletView,
) {
  const { correction } = result;
  return {
    walletId,
    changed: result.kind === 'recorded',
    target: eventRef(result.target),
    correction:
      correction === undefined
        ? null
        : { ...eventRef(correction), action: correction.data.action, reason: correction.data.reason },
    compensations:
      result.kind === 'recorded'
        ? result.adjustments.map((adjustment) => ({
            ...eventRef(adjustment),
            points: Number(adjustment.data.points),
            factId: adjustment.data.factId,
            ruleId: adjustment.data.ruleId,
            ruleSetVersion: adjustment.data.ruleSetVersion,
          }))
        : [],
    // Unchanged: the correction was in force already (perhaps a racing twin wrote it a moment
    // ago), so the wallet as it is now is both before and after.
    before: viewSummaryJson(result.kind === 'recorded' ? before : after),
    after: viewSummaryJson(after),
  };
}
