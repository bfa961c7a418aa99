/**
 * Two-wallet group commit's batch path (app/group-commit-two-batch.ts, with the batch decision and
 * the remembered states) is loaded with `import()` the first time two commands wait at once: a
 * command alone, which is every command of a Lambda instance, runs alone and never needs it
 * (README "Bundling"). Pinned on the bundles the stack deploys: the two-wallet writers carry the
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

describe('two-wallet group commit in the bundles', () => {
  it.each(['transfers', 'holds', 'offers', 'payment-webhook'])(
    '%s queues in its cold start and loads the batch path only in a lazy chunk',
    async (name) => {
      const { eagerInputs, inputs } = await built(name);
      expect(eagerInputs[app('group-commit-two')] ?? 0, 'the queue').toBeGreaterThan(0);
      expect(BATCH_ONLY.filter((input) => (eagerInputs[input] ?? 0) > 0)).toEqual([]);
      expect(
        BATCH_ONLY.filter((input) => !inputs.includes(input)),
        'in a lazy chunk',
      ).toEqual([]);
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
