import { sweepExpiries } from '#app/expiry-sweep.ts';
import { MERGE_WINDOW_MS } from '#app/group-commit-expiry.ts';
import { type ExpiryIndex, holdsOfEntry } from '#ports/trading-index.ts';
import { isInjected } from './faults.ts';
import { checkCards } from './invariants-cards.ts';
import { CARD_ACCOUNTS, cardsOf } from './model-cards.ts';
import { registerOp } from './ops.ts';
import { cardStore } from './ops-cards.ts';
import type { World } from './world.ts';

/**
 * The expiry sweep on the card accounts (app/expiry-sweep.ts), on the faulty store: approvals of
 * one group-commit batch share one expiry entry (app/group-commit-expiry.ts), so the checks are
 * that every approval the sweep ends was active and due by the model and ends once, that every
 * approval still pending is listed by an entry due no earlier than it and at most the merge window
 * later (none is orphaned by a shared entry dropped too soon), and, after a sweep no fault or race
 * cut short, that no listed pending approval is due any more.
 */
registerOp<Record<string, never>>({
  name: 'card-sweep',
  weight: 0.6,
  generate: () => ({}),
  async apply(world) {
    const before = new Map(
      CARD_ACCOUNTS.map((accountId) => [accountId, cardsOf(world).free(accountId, world.nowMs)]),
    );
    let clean = true;
    try {
      const report = await sweepExpiries({
        store: cardStore(world),
        expiries: cardEntries(world),
        clock: { nowMs: () => world.nowMs },
        ids: world.ids('s'),
      });
      clean = report.left === 0;
      for (const [kind, count] of Object.entries(report))
        world.answers.set(`card swept ${kind}`, (world.answers.get(`card swept ${kind}`) ?? 0) + count);
    } catch (error) {
      if (!isInjected(error)) throw error;
      clean = false;
    }
    world.faults.disarm();
    if (world.violations.length === 0) expiredAsModelled(world);
    if (world.violations.length === 0) listed(world, clean);
    checkCards(world, before);
  },
});

/**
 * The card accounts' entries only: the trading model follows holds' ends through its own ops, and
 * a sweep of its holds is not modelled (the sweep's code is the same for both; its batch entries
 * are what this op is for).
 */
function cardEntries(world: World): ExpiryIndex {
  const index = world.inner.tradingIndex;
  const cards = new Set<string>(CARD_ACCOUNTS);
  return {
    async due(nowMs, limit) {
      const all = await index.due(nowMs, Number.MAX_SAFE_INTEGER);
      const entries = all.entries.filter((entry) => cards.has(entry.walletId));
      const shared = entries.filter((entry) => (entry.holdIds?.length ?? 1) > 1).length;
      world.answers.set(
        'card swept shared entries',
        (world.answers.get('card swept shared entries') ?? 0) + shared,
      );
      return { entries: entries.slice(0, limit), more: entries.length > limit };
    },
    remove: (entry) => index.remove(entry),
  };
}

/** The sweep's releases (a lost answer's too: they are in the log) applied to the model, each judged. */
function expiredAsModelled(world: World): void {
  const prefix = `o${world.opIndex}.`;
  for (const accountId of CARD_ACCOUNTS) {
    const approvals = cardsOf(world).accounts.get(accountId)?.approvals;
    for (const event of world.log(accountId)) {
      if (event.type !== 'HoldReleased' || !event.eventId.startsWith(prefix)) continue;
      const approval = approvals?.get(event.data.holdId);
      if (
        event.data.reason !== 'expired' ||
        approval?.status !== 'active' ||
        approval.expiresAtMs > world.nowMs
      ) {
        world.violation(
          'card-expired-as-modelled',
          `${accountId}: the sweep released ${event.data.holdId} (${event.data.reason}); the model has ${JSON.stringify(approval, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))} at ${world.nowMs}`,
        );
        return;
      }
      approval.status = 'expired';
    }
  }
}

/** Every pending approval is listed by an entry within the window; after a clean sweep none is due. */
function listed(world: World, clean: boolean): void {
  const entries = world.inner.tradingIndex.expiryEntries;
  for (const accountId of CARD_ACCOUNTS) {
    for (const [authorizationId, approval] of cardsOf(world).accounts.get(accountId)?.approvals ?? []) {
      if (approval.status !== 'active') continue;
      const covering = entries.filter(
        (entry) =>
          entry.walletId === accountId &&
          holdsOfEntry(entry).includes(authorizationId) &&
          entry.expiresAtMs >= approval.expiresAtMs &&
          entry.expiresAtMs <= approval.expiresAtMs + MERGE_WINDOW_MS,
      );
      if (covering.length === 0) {
        world.violation(
          'card-expiry-listed',
          `${accountId}: pending approval ${authorizationId} has no expiry entry`,
        );
        return;
      }
      if (clean && covering.every((entry) => entry.expiresAtMs <= world.nowMs)) {
        world.violation(
          'card-expired-on-time',
          `${accountId}: approval ${authorizationId} (due ${approval.expiresAtMs}) is pending after a clean sweep at ${world.nowMs}`,
        );
        return;
      }
    }
  }
}
