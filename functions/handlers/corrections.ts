import type { RuleSetVersions } from '#app/active-rules.ts';
import { correctAndShow } from '#app/corrections.ts';
import type { ThresholdSource } from '#app/wallet-projection.ts';
import { correctionsDeps } from '#composition/corrections.ts';
import { adminToken } from '#composition/lambda.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { authorizeAdmin } from '#http/admin.ts';
import { correctionBody, correctionInput, correctionJson } from '#http/corrections-json.ts';
import { httpHandler, httpRoute, walletInPath } from '#http/handler.ts';
import { jsonResult } from '#http/problem.ts';
import { CONTENDED_DETAIL, domainProblem, problem } from '#http/problems.ts';
import { parseWith } from '#http/request.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';

export interface CorrectionsDeps {
  stores: { events: EventStore; readModels: ReadModelStore };
  ruleSets: Pick<RuleSetVersions, 'get'>;
  activeVersion: () => Promise<number>;
  /** Read with the wallet's log, for its view before and after (never for a bad request). */
  config: ThresholdSource;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * `POST /wallets/{wallet_id}/corrections` (admin): voids or amends a deposit or fact. The original
 * stays in the log; a correction naming it and the compensating points are appended, and the
 * answer shows the wallet before and after (folded from the log the correction was decided on:
 * app/corrections.ts correctAndShow). The same correction again answers 200 and writes nothing.
 */
export const makeCorrectionsHandler = (deps: () => Promise<CorrectionsDeps>, token = adminToken) =>
  httpRoute({
    admin: { token, authorize: authorizeAdmin },
    wallets: walletInPath,
    deps,
    run: async (request, { stores, ...correction }) => {
      const walletId = parseWalletId(request.param('wallet_id'));
      const input = correctionInput(walletId, parseWith(correctionBody, request.json()));
      const result = await correctAndShow(
        { store: stores.events, readModels: stores.readModels, ...correction },
        input,
      );
      if (result.kind === 'rejected') throw domainProblem(result.error);
      if (result.kind === 'contended') throw problem('contended', CONTENDED_DETAIL);
      const body = correctionJson(walletId, result, result.before, result.after);
      return jsonResult(result.kind === 'recorded' ? 201 : 200, JSON.stringify(body));
    },
  });

export const handler = httpHandler(makeCorrectionsHandler(correctionsDeps));
