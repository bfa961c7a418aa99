import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { randomIds, systemClock } from '#adapters/clock.ts';
import { activeRulesFromEnv, ruleSetVersionsFromEnv } from '#adapters/compose.ts';
import { type Stores, storesFromEnv } from '#adapters/dynamodb/stores.ts';
import type { RuleSetVersions } from '#app/active-rules.ts';
import { rfc3339Time } from '#app/cloud-event.ts';
import { type CorrectionInput, correctEvent } from '#app/corrections.ts';
import { contendedProblem, problemOf } from '#app/outcomes.ts';
import { viewSummaryJson } from '#app/replay.ts';
import { currentView } from '#app/wallet-projection.ts';
import { parseAmountMinor } from '#domain/money.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { RecordedEvent } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { authorizeAdmin } from '#http/admin.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { HttpProblem, type HttpResult, jsonResult } from '#http/problem.ts';
import { parseJsonBody, parseWith } from '#http/request.ts';
import { ENV } from '#lib/wiring.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';

const correctionBody = z
  .strictObject({
    eventId: z.string().min(1, 'must not be empty').max(255),
    action: z.enum(['void', 'amend'], { error: 'must be "void" or "amend"' }),
    reason: z.string().trim().min(1, 'is required: say why, for the audit trail').max(1_000),
    data: z
      .strictObject({
        amount: z.union([z.string(), z.number()]).optional(),
        time: rfc3339Time.optional(),
        data: z.unknown().optional(),
      })
      .optional(),
  })
  .superRefine((body, ctx) => {
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
  });

const eventRef = (event: RecordedEvent) => ({
  eventId: event.eventId,
  type: event.type,
  lane: event.lane,
  version: event.version,
});

/**
 * `POST /wallets/{wallet_id}/corrections` (admin): voids or amends a deposit or fact. The original
 * stays in the log; a correction naming it and the compensating points are appended, and the
 * answer shows the wallet before and after. The same correction again answers 200 and writes nothing.
 */
export function makeCorrectionsHandler(
  deps: () => Promise<{
    stores: Pick<Stores, 'events' | 'readModels'>;
    ruleSets: RuleSetVersions;
    activeVersion: () => Promise<number>;
    config: ThresholdConfig;
    clock: Clock;
    ids: IdGenerator;
    adminToken?: string;
  }>,
) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const { stores, ruleSets, activeVersion, config, clock, ids, adminToken } = await deps();
    authorizeAdmin(event, adminToken);
    const walletId = parseWalletId(event.pathParameters?.wallet_id);
    const body = parseWith(correctionBody, parseJsonBody(event));
    const input: CorrectionInput = {
      walletId,
      reference: body.eventId,
      action: body.action,
      reason: body.reason,
      ...(body.action === 'amend' ? { amend: amendment(body.data ?? {}) } : {}),
    };
    const before = await currentView(stores.events, stores.readModels, walletId, config);
    const result = await correctEvent({ store: stores.events, ruleSets, activeVersion, clock, ids }, input);
    if (result.kind === 'rejected') throw new HttpProblem(problemOf(result.error));
    if (result.kind === 'contended') throw new HttpProblem(contendedProblem());
    // Unchanged: the correction was in force already (perhaps a racing twin wrote it a moment
    // ago), so the wallet as it is now is both before and after.
    const after = await currentView(stores.events, stores.readModels, walletId, config);
    const { correction } = result;
    return jsonResult(
      result.kind === 'recorded' ? 201 : 200,
      JSON.stringify({
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
        before: viewSummaryJson(result.kind === 'recorded' ? before : after),
        after: viewSummaryJson(after),
      }),
    );
  };
}

function amendment(data: {
  amount?: string | number;
  time?: string;
  data?: unknown;
}): CorrectionInput['amend'] {
  return {
    ...(data.amount === undefined ? {} : { amountMinor: parseAmountMinor(data.amount) }),
    ...(data.time === undefined ? {} : { occurredAtMs: Date.parse(data.time) }),
    // The fact's data is kept as JSON text, as it arrives on the bus.
    ...('data' in data ? { dataJson: JSON.stringify(data.data ?? null) } : {}),
  };
}

export const handler = middy(
  makeCorrectionsHandler(async () => {
    const active = await activeRulesFromEnv().current();
    return {
      stores: storesFromEnv(),
      ruleSets: ruleSetVersionsFromEnv(),
      activeVersion: async () => (await activeRulesFromEnv().current()).version,
      config: active.threshold,
      clock: systemClock,
      ids: randomIds,
      adminToken: process.env[ENV.adminToken],
    };
  }),
)
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
