/**
 * `POST /backtests`' composition: every call resolves its candidate rule set (a version, or text
 * compiled here) and evaluates it, so the CEL compiler is imported statically and loads at the
 * cold start, instead of on demand as in ingest (composition/rules-engine.ts).
 */
import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { RuleSetVersions } from '#app/active-rules.ts';
import * as celCompiler from '#rules/compile-form.ts';
import {
  eventStoreFromEnv,
  jobStoreFromEnv,
  ONE_WALLET_WRITES,
  perTable,
  ruleSetsFromEnv,
} from './adapters.ts';
import { clockAndIds } from './lambda.ts';
import { jobQueueFromEnv } from './queued.ts';

/** Every published rule set version, compiled on first use with the compiler loaded at the cold start. */
const ruleSetVersions = /* @__PURE__ */ perTable(
  () => new RuleSetVersions(ruleSetsFromEnv(), sha256Hex, () => Promise.resolve(celCompiler)),
);

export async function backtestDeps() {
  return {
    stores: { events: eventStoreFromEnv(ONE_WALLET_WRITES), jobs: jobStoreFromEnv() },
    ruleSets: ruleSetVersions(),
    queue: jobQueueFromEnv,
    ...clockAndIds(),
  };
}
