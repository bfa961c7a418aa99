import { eventHash } from '#adapters/dynamodb/event-hash.ts';
import type { StoredEvent } from '../support/in-memory-event-store.ts';
import { sameView, viewDiff } from './ops.ts';
import type { WalletView } from './system.ts';
import type { World } from './world.ts';

/**
 * The invariant registry. `step` invariants run after every op on the wallets it touched;
 * `quiescent` ones after every channel was drained (a `drain` op, and the end of every episode),
 * on every wallet. A check answers the violations it found, as sentences.
 *
 * To add one (holds, transfers, card authorizations): push an Invariant with `registerInvariant`;
 * it gets the wallet's log and its fold ready-made in `WalletFacts`.
 */
export interface WalletFacts {
  walletId: string;
  log: StoredEvent[];
  fold: WalletView;
}

export interface Invariant {
  name: string;
  when: 'step' | 'quiescent';
  /** Per wallet; for whole-system checks use `checkAll`. */
  check?(world: World, wallet: WalletFacts): Promise<string[]> | string[];
  checkAll?(world: World, wallets: readonly WalletFacts[]): Promise<string[]> | string[];
}

export const invariants: Invariant[] = [];

export function registerInvariant(invariant: Invariant): void {
  invariants.push(invariant);
}

/** Event types that end a hold; trading adds them (HoldCaptured, HoldReleased, HoldExpired). */
export const HOLD_END_TYPES = new Set(['HoldCaptured', 'HoldReleased', 'HoldExpired', 'HoldVoided']);

const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

registerInvariant({
  name: 'no-acknowledged-write-lost',
  when: 'step',
  check(world, { walletId, log }) {
    const problems: string[] = [];
    const deposits = new Set(log.filter((event) => event.type === 'Deposited').map((event) => event.eventId));
    const facts = new Set(log.flatMap((event) => (event.type === 'FactRecorded' ? [event.data.factId] : [])));
    for (const deposit of world.model.deposits.values()) {
      if (deposit.walletId === walletId && !deposits.has(deposit.eventId)) {
        problems.push(
          `deposit ${deposit.eventId} (${deposit.amountMinor}${deposit.key ? `, key ${deposit.key}` : ''}) was acknowledged and is not in ${walletId}'s log`,
        );
      }
    }
    for (const fact of world.model.facts.values()) {
      if (fact.walletId === walletId && fact.depositEventId === undefined && !facts.has(fact.id)) {
        problems.push(`CloudEvent ${fact.id} took effect and is not in ${walletId}'s log`);
      }
    }
    return problems;
  },
});

registerInvariant({
  name: 'no-effect-applied-twice',
  when: 'step',
  check(world, { walletId, log }) {
    const problems: string[] = [];
    const byEventId = new Map<string, number>();
    const byKey = new Map<string, number>();
    const byFact = new Map<string, number>();
    for (const event of log) {
      count(byEventId, event.eventId);
      if (event.type !== 'Deposited' && event.type !== 'FactRecorded') continue;
      if (event.idempotencyKey !== undefined) count(byKey, event.idempotencyKey);
      if (event.data.factId !== undefined) count(byFact, event.data.factId);
      if (event.type === 'Deposited' && !world.model.deposits.has(event.eventId)) {
        problems.push(
          `${walletId} holds deposit ${event.eventId} that no client was told of and no crash committed`,
        );
      }
    }
    for (const [id, times] of byEventId)
      if (times > 1) problems.push(`event id ${id} is ${times} times in ${walletId}'s log`);
    for (const [key, times] of byKey)
      if (times > 1) problems.push(`key ${key} took effect ${times} times on ${walletId}`);
    for (const [id, times] of byFact)
      if (times > 1) problems.push(`CloudEvent ${id} took effect ${times} times on ${walletId}`);
    return problems;
  },
});

/**
 * After a step, the events a wallet gained since the last check are checked link by link (dense
 * versions, `prevHash` the hash before, `hash` recomputed) with the store's own hash function;
 * with the system quiet, the store's verify runs over every wallet's whole log.
 */
registerInvariant({
  name: 'hash-chain-valid',
  when: 'step',
  check(world, { walletId, log }) {
    const lanes = new Map<number, StoredEvent[]>();
    for (const event of log) lanes.set(event.lane, [...(lanes.get(event.lane) ?? []), event]);
    for (const [lane, events] of lanes) {
      const key = `${lane}`;
      const from = Number(world.checked('hash-chain-valid', `${walletId}/${key}`) ?? 0);
      for (let index = from; index < events.length; index++) {
        const event = events[index] as StoredEvent;
        const before = index === 0 ? '' : (events[index - 1] as StoredEvent).hash;
        const { hash, prevHash, ...recorded } = event;
        if (event.version !== index + 1) return [`${walletId} lane ${lane}: version ${index + 1} missing`];
        if (prevHash !== before)
          return [`${walletId} lane ${lane} version ${event.version}: prevHash is not the hash before it`];
        if (eventHash(prevHash, recorded) !== hash)
          return [`${walletId} lane ${lane} version ${event.version}: the hash does not match`];
      }
      world.remember('hash-chain-valid', `${walletId}/${key}`, String(events.length));
    }
    return [];
  },
});

registerInvariant({
  name: 'hash-chain-valid',
  when: 'quiescent',
  async check(world, { walletId }) {
    const result = await world.inner.verify(walletId);
    return result.ok ? [] : [`${walletId} lane ${result.lane} version ${result.version}: ${result.reason}`];
  },
});

/**
 * What the view checks depend on: the log (its generation) and the stored view (the fields a
 * wrongly applied event moves; the full comparison runs whenever one of them changed).
 */
async function viewKey(
  world: World,
  walletId: string,
): Promise<{ key: string; stored: WalletView | undefined }> {
  const stored = await world.stored(walletId);
  const generation = world.generations.get(walletId) ?? 0;
  if (stored === undefined) return { key: `${generation}|`, stored };
  const { eventCount, lanes, balanceMinor, points, depositCount, correctionCount, updatedAtMs, threshold } =
    stored;
  return {
    key: `${generation}|${eventCount}|${lanes.join(',')}|${balanceMinor}|${points}|${depositCount}|${correctionCount}|${updatedAtMs}|${threshold.breach?.atMs ?? ''}`,
    stored,
  };
}

registerInvariant({
  name: 'read-equals-fold-of-log',
  when: 'step',
  async check(world, { walletId, log, fold }) {
    if (log.length === 0) return [];
    const { key } = await viewKey(world, walletId);
    if (world.unchanged('read-equals-fold-of-log', walletId, key)) return [];
    const read = await world.system.readView(walletId);
    if (!sameView(read, fold))
      return [`a read of ${walletId} differs from the fold of its log: ${viewDiff(read, fold)}`];
    world.remember('read-equals-fold-of-log', walletId, key);
    return [];
  },
});

registerInvariant({
  name: 'stored-view-is-fold-of-a-prefix',
  when: 'step',
  async check(world, { walletId, log }) {
    const { key, stored } = await viewKey(world, walletId);
    if (stored === undefined || world.unchanged('stored-view-is-fold-of-a-prefix', walletId, key)) return [];
    const prefix = log.filter((event) => event.version <= (stored.lanes[event.lane] ?? 0));
    const fold = world.system.fold(walletId, prefix);
    if (!sameView(stored, fold)) {
      return [`${walletId}'s stored view is not the fold of the events it claims: ${viewDiff(stored, fold)}`];
    }
    world.remember('stored-view-is-fold-of-a-prefix', walletId, key);
    return [];
  },
});

registerInvariant({
  name: 'money-and-points-conserved',
  when: 'step',
  check(world, { walletId, fold }) {
    const problems: string[] = [];
    const balance = world.expectedBalance(walletId);
    const points = world.expectedPoints(walletId);
    if (fold.balanceMinor !== balance)
      problems.push(`${walletId} balance ${fold.balanceMinor}, the model says ${balance}`);
    if (fold.points !== points) problems.push(`${walletId} points ${fold.points}, the model says ${points}`);
    return problems;
  },
});

// The floor (available = balance − held ≥ floor, per asset) is checked in invariants-trading.ts.

registerInvariant({
  name: 'hold-ended-at-most-once',
  when: 'step',
  check(_world, { walletId, log }) {
    const ends = new Map<string, number>();
    for (const event of log as { type: string; data: unknown }[]) {
      if (!HOLD_END_TYPES.has(event.type)) continue;
      const holdId = (event.data as { holdId?: unknown }).holdId;
      count(ends, String(holdId));
    }
    return [...ends]
      .filter(([, times]) => times > 1)
      .map(([holdId, times]) => `hold ${holdId} of ${walletId} ended ${times} times`);
  },
});

registerInvariant({
  name: 'stored-view-equals-fold-of-log',
  when: 'quiescent',
  async check(world, { walletId, log, fold }) {
    if (log.length === 0) return [];
    const stored = await world.inner.getView(walletId);
    return sameView(stored, fold)
      ? []
      : [
          `with the stream drained, ${walletId}'s stored view differs from the fold of its log: ${viewDiff(stored, fold)}`,
        ];
  },
});

registerInvariant({
  name: 'money-and-points-conserved',
  when: 'quiescent',
  checkAll(world, wallets) {
    const { model } = world;
    const balance = wallets.reduce((sum, wallet) => sum + wallet.fold.balanceMinor, 0n);
    const points = wallets.reduce((sum, wallet) => sum + wallet.fold.points, 0n);
    const problems: string[] = [];
    if (balance !== model.mintedMinor - model.burnedMinor) {
      problems.push(
        `wallets hold ${balance}; minted ${model.mintedMinor} − burned ${model.burnedMinor} = ${model.mintedMinor - model.burnedMinor}`,
      );
    }
    if (points !== model.mintedPoints - model.burnedPoints) {
      problems.push(
        `wallets hold ${points} points; awarded ${model.mintedPoints} − taken back ${model.burnedPoints}`,
      );
    }
    return problems;
  },
});

registerInvariant({
  name: 'every-sent-event-took-effect',
  when: 'quiescent',
  checkAll(world) {
    const problems: string[] = [];
    for (const [id, sent] of world.model.sent) {
      if (!world.model.facts.has(id))
        problems.push(`CloudEvent ${id} was sent ${sent.length} time(s) and never took effect`);
    }
    return problems;
  },
});
