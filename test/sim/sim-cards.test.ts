import { describe, expect, it } from 'vitest';
import { runEpisode, simulate } from './engine.ts';
import { PLANTED } from './planted.ts';

describe('the fault simulation: card accounts', () => {
  it('catches authorizations appended without lane 0’s condition (over the limit), and shrinks it', async () => {
    const result = await simulate({
      seed: 14,
      ops: 4_000,
      bugs: PLANTED['lane-authorize'],
      shrinkBudgetMs: 30_000,
    });
    const failure = result.failure as NonNullable<typeof result.failure>;
    expect(failure, 'the planted lane-authorize went unnoticed').toBeDefined();
    expect(['card-within-limit', 'card-as-modelled', 'card-held-as-modelled']).toContain(
      failure.violation.invariant,
    );
    // Seed 14 breaks in its first episodes; ddmin (well inside its budget) brings that to 15 ops
    // (13 before held answers and concurrent-spends moved the trajectories, stop 23). (Seeds are
    // trajectories: lane 0's cached state (exactState) made fewer store calls, so fewer fault
    // rolls, and seed 11's run changed; it still failed, shrunk to 14.)
    expect(failure.shrunk.length).toBeLessThanOrEqual(15);
    expect(failure.shrunk.some((record) => record.name === 'card-authorize-race')).toBe(true);
    const again = await runEpisode(failure.episodeSeed, {
      replay: failure.shrunk,
      bugs: PLANTED['lane-authorize'],
    });
    expect(again.violation?.invariant).toBe(failure.violation.invariant);
    // The same ops with the real use case break nothing.
    const real = await runEpisode(failure.episodeSeed, { replay: failure.shrunk });
    expect(real.violation).toBeUndefined();
  }, 120_000);

  it('opens, authorizes (alone and racing), captures, voids, pays and returns, with every invariant kept', async () => {
    // Seed 2029: the card-sweep op (ops-cards-sweep.ts) changed every seed's trajectory, and 2026's
    // no longer captured a declined authorization.
    const result = await simulate({ seed: 2029, ops: 6_000 });
    expect(result.failure).toBeUndefined();
    for (const op of [
      'card-open',
      'card-limit',
      'card-authorize',
      'card-authorize-race',
      'card-capture',
      'card-void',
      'card-pay',
      'card-return',
      'card-sweep',
    ])
      expect(result.opsByName.get(op) ?? 0, op).toBeGreaterThan(5);
    for (const answer of [
      'card recorded',
      'card replayed',
      'card key-reused',
      'card account_not_found',
      'card hold_not_active',
      'card authorization_declined',
      'card swept expired',
    ])
      expect(result.stats.get(`answered ${answer}`) ?? 0, answer).toBeGreaterThan(0);
  }, 120_000);

  it('with group commit, racing approvals share expiry entries and the sweep ends each once', async () => {
    // Seed 4 (2 shared, 8 expired): seed 1 answered 'shared entries' once on the machine's clock,
    // and not at all once a loaded machine stretched it (stop 21); on the world's clock
    // (engine.ts onWorldClock) it answers none, seeds 1–13 between 0 and 4. Seed 3 (4 shared) did
    // until held answers and concurrent-spends (stop 23) moved every trajectory: 0 shared, as 1 and 2.
    const result = await simulate({ seed: 4, ops: 6_000, groupCommit: true });
    expect(result.failure).toBeUndefined();
    expect(result.stats.get('answered card swept shared entries') ?? 0).toBeGreaterThan(0);
    expect(result.stats.get('answered card swept expired') ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
