/**
 * One-wallet group commit's batch path (app/group-commit-batch.ts, with the carried lane-0 state,
 * the expiry merge and the group append, adapters/dynamodb/append-group.ts) is taken by every
 * lane-0 command, alone too, but by a credit only when two or more wait on one wallet at once in
 * one process, which a Lambda instance of deposit or ingest, serving one record at a time,
 * practically never sees. So the credit-only writers load it with `import()` on their first batch
 * (composition/lazy-group.ts), and every lane-0 writer carries it in its cold start
 * (composition/lane-zero.ts): esbuild puts a module reached both statically and by `import()` there.
 *
 * Two-wallet group commit's batch path (app/group-commit-two-batch.ts, with the batch decision and
 * the remembered states) is loaded with `import()` the first time two commands wait at once: a
 * command alone, which is every command of a Lambda instance, runs alone and never needs it
 * (docs/benchmarks.md, "Bundling"). Pinned on the bundles the stack deploys: the two-wallet writers carry the
 * queue in their cold start and the batch path in a lazy chunk; the one-wallet payment functions,
 * which name offers by id only (app/offer-id.ts), reach no two-wallet code at all.
 */
import { describe, expect, it } from 'vitest';
import { functionBundle } from '../../support/function-bundles.ts';

const app = (name: string) => `functions/app/${name}.ts`;
/** Only a batch of two or more runs these. */
const BATCH_ONLY = [
  app('group-commit-two-batch'),
  app('group-commit-two-decide'),
  app('group-commit-two-states'),
];

const built = functionBundle;

/** Which of `files` the bundle loads at its cold start, and which it holds in no chunk at all. */
async function placed(name: string, files: readonly string[]) {
  const { eagerInputs, inputs } = await built(name);
  return {
    eager: files.filter((input) => (eagerInputs[input] ?? 0) > 0),
    absent: files.filter((input) => !inputs.includes(input)),
  };
}

describe('two-wallet group commit in the bundles', () => {
  it.each(['transfers', 'holds', 'offers', 'payment-webhook'])(
    '%s queues in its cold start and loads the batch path only in a lazy chunk',
    async (name) => {
      expect((await placed(name, [app('group-commit-two')])).eager, 'the queue').toHaveLength(1);
      expect(await placed(name, BATCH_ONLY), 'in a lazy chunk only').toEqual({ eager: [], absent: [] });
    },
    120_000,
  );

  it.each(['payments', 'orders'])(
    '%s carries no two-wallet code',
    async (name) => {
      const { inputs } = await built(name);
      expect(inputs.filter((input) => /group-commit-two|two-wallet-command/.test(input))).toEqual([]);
    },
    120_000,
  );
});

const dynamo = (name: string) => `functions/adapters/dynamodb/${name}.ts`;
/** Only group-commit.ts's batch path runs these (app/group-commit.ts drain: not a lone credit). */
const ONE_WALLET_BATCH_ONLY = [
  app('group-commit-batch'),
  app('group-commit-carry'),
  app('group-commit-expiry'),
  dynamo('append-group'),
];

describe('one-wallet group commit in the bundles', () => {
  it.each(['deposit', 'ingest-kafka', 'ingest-queue'])(
    '%s writes credits only: it queues in its cold start and loads the batch path only in a lazy chunk',
    async (name) => {
      // The queue, and the mark a credit leaves on its wallet (group-commit-taint.ts).
      const queue = [app('group-commit'), app('group-commit-taint')];
      expect((await placed(name, queue)).eager, 'the queue').toEqual(queue);
      expect(await placed(name, ONE_WALLET_BATCH_ONLY), 'in a lazy chunk only').toEqual({
        eager: [],
        absent: [],
      });
    },
    120_000,
  );

  it.each(['holds', 'offers', 'payments', 'orders', 'payment-webhook', 'accounts', 'sweep-expiries'])(
    '%s writes lane 0, each command through the batch path: it carries the path in its cold start',
    async (name) => {
      expect((await placed(name, ONE_WALLET_BATCH_ONLY)).eager).toEqual(ONE_WALLET_BATCH_ONLY);
    },
    120_000,
  );

  it('transfers writes two wallets only: no one-wallet batch path in its cold start', async () => {
    expect((await placed('transfers', ONE_WALLET_BATCH_ONLY)).eager).toEqual([]);
  }, 120_000);
});
