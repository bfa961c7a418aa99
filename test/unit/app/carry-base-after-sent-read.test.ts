/**
 * (review2 of s21-writes, finding 1.) A lane-0 state sent early (exactStateEarly, holdAction's
 * firstState) stands on the taint token taken before it was sent (ExactState's `sentAt`), not on
 * one taken when group commit's batch starts: a credit this process wrote to another lane between
 * the two would then seem "before the base", carryAfterCommit would keep a carry that misses it,
 * and the next batch would decide on it: a spend sent after the deposit was acknowledged, in the
 * same process, refused (group-commit-carry.ts promises "deposit, then spend" in one process always
 * sees the deposit). Fails when the carry stands on the batch's own token for a sent read
 * (group-commit-carry.ts carryAfterCommit ignoring `sentAt`): ['recorded', 'rejected', 'recorded'].
 */
import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { recordDeposit } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { holdAction } from '#app/holds.ts';
import { gatedKeyLookups } from '../../support/gated-key-lookups.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { funded } from '../../support/in-memory-group-store.ts';
import { laneZeroWrite, moneyHold } from '../../support/lane-zero-writes.ts';

describe('review2: carry base vs a state sent early', () => {
  it('a spend after an acknowledged deposit in the same process is not refused on a carry that misses it', async () => {
    const shared = new InMemoryEventStore();
    // Funded 100 in lane 0, by another process.
    await funded(shared);

    // This process: its key look-ups wait (a slow key read, as against a remote table).
    const { store: proc, open, calls } = gatedKeyLookups(shared, true);

    // H1: a keyed hold (a scoped key with its legacy key, as the API sends it): its state read goes out with its key's look-up.
    const h1 = holdAction(
      { store: proc, clock: { nowMs: () => 5 }, ids: { newId: () => 'h1' } },
      {
        walletId: 'w1',
        idempotency: { key: 'holds#k-h1', payloadHash: 'p', reference: 'k-h1', legacyKey: 'k-h1' },
        respond: () => ({ statusCode: 201, body: 'h1' }),
      },
      { kind: 'place', asset: 'money', amount: 60n, expiresInMs: 60_000 },
    );
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, 5));

    // Meanwhile a deposit of 500 to lane 3 through this process, acknowledged.
    const heads = new HeadCache();
    heads.remember('w1', { lane: 3, head: { version: 0, hash: '' } });
    const credited = await recordDeposit(
      { store: proc, heads, clock: { nowMs: () => 1 }, ids: { newId: () => 'd500' } },
      { walletId: 'w1', amountMinor: 500n, respond: () => ({ statusCode: 201, body: '' }) },
    );
    expect(credited.kind).toBe('recorded');

    open();
    expect((await h1).kind).toBe('recorded');
    // H1's state was the one sent with its key's look-up (the path under test).
    expect(calls.walletAndHead).toBe(1);

    // After the deposit's acknowledgement: 100 + 500 − 60 = 540 free. x (10) runs, then h2 (500)
    // and h3 (10) go in one batch.
    const x = handleCommand({ store: proc }, laneZeroWrite('w1', 'x', moneyHold('w1', 'x', 10n)));
    const h2 = handleCommand({ store: proc }, laneZeroWrite('w1', 'h2', moneyHold('w1', 'h2', 500n)));
    const h3 = handleCommand({ store: proc }, laneZeroWrite('w1', 'h3', moneyHold('w1', 'h3', 10n)));
    const kinds = (await Promise.all([x, h2, h3])).map((outcome) => outcome.kind);
    expect(kinds).toEqual(['recorded', 'recorded', 'recorded']);
  });
});
