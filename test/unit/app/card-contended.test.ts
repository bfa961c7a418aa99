import { describe, expect, it } from 'vitest';
import { type CardDeps, CONTENDED_BUDGET } from '#app/cards.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { readWallet } from '#app/read-events.ts';
import type { AppendOutcome, AppendRequest } from '#ports/event-store.ts';
import { cardActor } from '../../support/card-actor.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * A writer in another instance: before each of the next `rivals` appends to lane 0, it appends a
 * deposit of its own there first, so the append (conditioned on the head it read) loses.
 */
class RivalledStore extends InMemoryEventStore {
  rivals = 0;
  lost = 0;
  override async append(request: AppendRequest): Promise<AppendOutcome> {
    if (this.rivals > 0 && request.lane === 0) {
      this.rivals--;
      this.lost++;
      const head = await this.head(request.walletId, 0);
      await super.append({
        walletId: request.walletId,
        lane: 0,
        expected: head,
        events: [
          {
            type: 'Deposited',
            data: { amountMinor: 1n, occurredAtMs: 0 },
            eventId: `rival-${this.lost}`,
            recordedAtMs: 0,
          },
        ],
      });
    }
    return super.append(request);
  }
}

const merchant = { id: 'm', mcc: '5942' };

function world(budget = CONTENDED_BUDGET) {
  const store = new RivalledStore();
  const clock = { now: 1_000, nowMs: () => clock.now };
  const pauses: number[] = [];
  let ids = 0;
  const deps: CardDeps = {
    store,
    clock,
    ids: { newId: () => `id${++ids}` },
    decisionRules: builtInDecisionRules,
    contendedBudget: budget,
    // Each pause moves the clock on, as a real one would.
    retry: {
      attemptsMax: 30,
      backoffBaseMs: 1,
      backoffCapMs: 20,
      random: () => 0.5,
      sleep: async (ms) => {
        pauses.push(ms);
        clock.now += ms;
      },
    },
  };
  const act = cardActor(deps);
  return { store, clock, pauses, act };
}

describe('a contended account is tried again within a budget before contended is answered', () => {
  it('an authorization that lost every attempt of one round is decided in a later round, once', async () => {
    const w = world();
    await w.act('open', { kind: 'open', creditLimit: 10_000n, currency: 'EUR' });
    // More losses in a row than the command handler's lane-0 attempts (10): a 503 before.
    w.store.rivals = 25;
    const outcome = await w.act('auth', { kind: 'authorize', amount: 500n, merchant });
    expect(outcome.kind).toBe('recorded');
    expect(w.store.lost).toBe(25);
    expect(w.pauses.length).toBeGreaterThanOrEqual(2);
    // Backoff: each pause at most the cap, growing from the base.
    expect(w.pauses[0]).toBe(0.5 * CONTENDED_BUDGET.backoffBaseMs);
    expect(w.pauses[1]).toBe(0.5 * CONTENDED_BUDGET.backoffBaseMs * 2);
    expect(Math.max(...w.pauses)).toBeLessThanOrEqual(CONTENDED_BUDGET.backoffCapMs);
    const decided = (await readWallet(w.store, 'a1')).filter(
      (event) => event.type === 'AuthorizationDecided',
    );
    expect(decided).toHaveLength(1);
  });

  it('answers contended once the rounds are spent, and no later than the time budget', async () => {
    const rounds = world({ ...CONTENDED_BUDGET, rounds: 2 });
    await rounds.act('open', { kind: 'open', creditLimit: 10_000n, currency: 'EUR' });
    rounds.store.rivals = 1_000;
    expect((await rounds.act('auth', { kind: 'authorize', amount: 500n, merchant })).kind).toBe('contended');
    expect(rounds.pauses).toHaveLength(1);

    const timed = world({ ms: 100, rounds: 1_000, backoffBaseMs: 10, backoffCapMs: 40 });
    await timed.act('open', { kind: 'open', creditLimit: 10_000n, currency: 'EUR' });
    timed.store.rivals = 100_000;
    const started = timed.clock.now;
    expect((await timed.act('auth', { kind: 'authorize', amount: 500n, merchant })).kind).toBe('contended');
    expect(timed.clock.now - started).toBeLessThan(100);
    expect(timed.pauses.length).toBeGreaterThan(2);
    const decided = (await readWallet(timed.store, 'a1')).filter(
      (event) => event.type === 'AuthorizationDecided',
    );
    expect(decided).toHaveLength(0);
  });
});
