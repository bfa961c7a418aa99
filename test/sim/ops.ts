import { CrashedAfterCommit, isInjected } from './faults.ts';
import { type DepositCall, observeDeposits, takeLostAnswers } from './model.ts';
import { deliverQueue, deliverStream, runReplayJob } from './ops-bus.ts';
import type { Rng } from './rng.ts';
import type { CloudEvent, CorrectionAnswer, CorrectionRequest } from './system.ts';
import { API_INSTANCES, PROJECTOR_INSTANCES, pointsOf, type World } from './world.ts';

/**
 * The op registry. An op is generated from the run's generator and the world as it is (so it can
 * name a key or an event that exists), and kept as plain data: a failing run is replayed, and
 * shrunk, from the list of ops alone. `apply` runs with the faults armed by the op's own seed.
 *
 * To add an op (a transfer, a hold, a payment, a card authorization): push an OpSpec here (or from
 * its own file with `registerOp`), make it call the use case through system.ts, and tell the model
 * (model.ts) what its answer means; add the invariants it must keep to invariants.ts.
 */
export interface OpSpec<P = unknown> {
  name: string;
  /** Relative frequency; 0 keeps the op out of generated runs (it can still be replayed). */
  weight: number;
  generate(rng: Rng, world: World): P;
  apply(world: World, params: P, rng: Rng): Promise<void>;
}

export const ops: OpSpec[] = [];

export function registerOp<P>(spec: OpSpec<P>): void {
  ops.push(spec as OpSpec);
}

export const opNamed = (name: string): OpSpec => {
  const spec = ops.find((candidate) => candidate.name === name);
  if (spec === undefined) throw new Error(`no op ${name}`);
  return spec;
};

export const amount = (rng: Rng): bigint =>
  rng.chance(0.05) ? BigInt(rng.int(500_000, 2_000_000)) : BigInt(rng.int(1, 100_000));

/** A deposit's key: none, fresh, one the model knows (same payload), or one it knows with another payload. */
function depositInput(
  rng: Rng,
  world: World,
  walletId: string,
): { walletId: string; amountMinor: bigint; key?: string } {
  const roll = rng.float();
  const known = [...world.model.keys.keys()];
  if (roll < 0.1 && known.length > 0) {
    const key = rng.pick(known);
    const effect = world.model.keys.get(key);
    if (effect !== undefined) return { walletId: effect.walletId, amountMinor: effect.amountMinor, key };
  }
  if (roll < 0.18 && known.length > 0) {
    return { walletId: rng.pick(world.walletIds), amountMinor: amount(rng), key: rng.pick(known) };
  }
  if (roll < 0.7)
    return { walletId, amountMinor: amount(rng), key: `key-${world.opIndex}-${rng.int(0, 1e6)}` };
  return { walletId, amountMinor: amount(rng) };
}

/** A client: retries a throttled request; after a lost answer, retries only when it sent a key. */
export async function depositClient(
  world: World,
  instance: number,
  call: string,
  input: { walletId: string; amountMinor: bigint; key?: string },
): Promise<DepositCall> {
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const answer = await world.system.deposit(instance, world.ids(`${call}.${attempt}`), input);
      return { ...input, answer };
    } catch (error) {
      if (!isInjected(error)) throw error;
      if (error instanceof CrashedAfterCommit && input.key === undefined) break;
    }
  }
  return { ...input, answer: undefined };
}

registerOp<{ instance: number; walletId: string; amountMinor: bigint; key?: string }>({
  name: 'deposit',
  weight: 30,
  generate: (rng, world) => ({
    instance: rng.int(0, API_INSTANCES - 1),
    ...depositInput(rng, world, rng.pick(world.walletIds)),
  }),
  async apply(world, { instance, ...input }) {
    const call = await depositClient(world, instance, 'd', input);
    observeDeposits(world, [call], takeLostAnswers(world));
  },
});

registerOp<{ deposits: { instance: number; walletId: string; amountMinor: bigint; key?: string }[] }>({
  name: 'concurrent-deposits',
  weight: 6,
  generate(rng, world) {
    const walletId = rng.pick(world.walletIds);
    const deposits = Array.from({ length: rng.int(2, 5) }, () => ({
      instance: rng.int(0, API_INSTANCES - 1),
      ...depositInput(rng, world, walletId),
    }));
    // Twins: the same request twice at once (a client retrying before the first answered).
    if (rng.chance(0.3))
      deposits.push({
        ...(deposits[0] as (typeof deposits)[number]),
        instance: rng.int(0, API_INSTANCES - 1),
      });
    return { deposits };
  },
  async apply(world, { deposits }) {
    const calls = await Promise.all(
      deposits.map(({ instance, ...input }, index) => depositClient(world, instance, `c${index}`, input)),
    );
    observeDeposits(world, calls, takeLostAnswers(world));
  },
});

const FACT_TYPES = ['answer_is_liked', 'trade', 'page_viewed', 'wallet.deposit'] as const;

function eventData(rng: Rng, type: string): unknown {
  switch (type) {
    case 'trade':
      return { qty: rng.int(0, 40), symbol: 'ACME' };
    case 'wallet.deposit':
      return { amount: (Number(amount(rng)) / 100).toFixed(2) };
    default:
      return { n: rng.int(0, 9) };
  }
}

registerOp<{ event: CloudEvent }>({
  name: 'send-event',
  weight: 20,
  generate(rng, world) {
    const sent = [...world.model.sent.keys()];
    const roll = rng.float();
    if (roll < 0.1 && sent.length > 0) {
      const again = world.model.sent.get(rng.pick(sent))?.[0];
      if (again !== undefined) return { event: again };
    }
    const type = rng.pick(FACT_TYPES);
    const id = roll < 0.17 && sent.length > 0 ? rng.pick(sent) : `evt-${world.opIndex}-${rng.int(0, 1e6)}`;
    const atMs = world.nowMs - (rng.chance(0.2) ? rng.int(0, 6 * 3_600_000) : rng.int(0, 120_000));
    const event: CloudEvent = {
      specversion: '1.0',
      id,
      source: 'app://sim',
      type,
      subject: rng.pick(world.walletIds),
      ...(rng.chance(0.8) ? { time: new Date(atMs).toISOString() } : {}),
      data: eventData(rng, type),
    };
    return { event };
  },
  async apply(world, { event }) {
    const sent = world.model.sent.get(event.id) ?? [];
    sent.push(event);
    world.model.sent.set(event.id, sent);
    world.queue.publish({ event });
  },
});

registerOp<{ max: number; instance: number }>({
  name: 'deliver-queue',
  weight: 15,
  generate: (rng) => ({ max: rng.int(1, 10), instance: rng.int(0, API_INSTANCES - 1) }),
  apply: (world, { max, instance }) => deliverQueue(world, max, instance),
});

registerOp<{ max: number; instance: number }>({
  name: 'deliver-stream',
  weight: 15,
  generate: (rng) => ({ max: rng.int(1, 25), instance: 10 + rng.int(0, PROJECTOR_INSTANCES - 1) }),
  apply: (world, { max, instance }) => deliverStream(world, max, instance),
});

/** The projectors race: two batches at once on two instances. */
registerOp<{ max: number }>({
  name: 'concurrent-projectors',
  weight: 4,
  generate: (rng) => ({ max: rng.int(1, 12) }),
  async apply(world, { max }) {
    await Promise.all([deliverStream(world, max, 10), deliverStream(world, max, 11)]);
  },
});

/**
 * A correction that takes back more than is available (balance less active holds, expired ones
 * included until something ends them) would end below the floor: the decider refuses it.
 */
function takesBelowFloor(world: World, walletId: string, asset: 'money' | 'points', change: bigint): boolean {
  if (change >= 0n) return false;
  const balance = asset === 'money' ? world.expectedBalance(walletId) : world.expectedPoints(walletId);
  const floor = asset === 'money' ? (world.model.floors.get(walletId) ?? 0n) : 0n;
  return balance - world.trading.heldOf(walletId, asset) + change < floor;
}

/** What the model says a correction must answer, and how it moves the model when it takes effect. */
function expectCorrection(
  world: World,
  request: CorrectionRequest,
): { kind: CorrectionAnswer['kind']; code?: string; apply?: () => void } {
  const { model } = world;
  const fact = model.facts.get(request.reference);
  const key = model.keys.get(request.reference);
  const depositId = fact?.depositEventId ?? key?.eventId ?? request.reference;
  const deposit = model.deposits.get(depositId);
  if (deposit !== undefined && deposit.walletId === request.walletId) {
    if (deposit.effective === null) {
      return request.action === 'void' ? { kind: 'unchanged' } : { kind: 'rejected', code: 'event-voided' };
    }
    const current = deposit.effective;
    const next = request.action === 'void' ? null : (request.amountMinor ?? current);
    if (next === current) return { kind: 'unchanged' };
    if (takesBelowFloor(world, deposit.walletId, 'money', (next ?? 0n) - current))
      return { kind: 'rejected', code: 'correction-below-floor' };
    return {
      kind: 'corrected',
      apply() {
        const delta = (next ?? 0n) - current;
        if (delta > 0n) model.mintedMinor += delta;
        else model.burnedMinor -= delta;
        deposit.effective = next;
        if (fact !== undefined && next === null) fact.voided = true;
      },
    };
  }
  if (fact !== undefined && fact.walletId === request.walletId && fact.depositEventId === undefined) {
    if (fact.voided)
      return request.action === 'void' ? { kind: 'unchanged' } : { kind: 'rejected', code: 'event-voided' };
    if (request.action === 'amend' && request.dataJson === fact.dataJson) return { kind: 'unchanged' };
    const points = request.action === 'void' ? 0n : pointsOf(fact.type, request.dataJson ?? fact.dataJson);
    if (takesBelowFloor(world, fact.walletId, 'points', points - fact.points))
      return { kind: 'rejected', code: 'correction-below-floor' };
    return {
      kind: 'corrected',
      apply() {
        const delta = points - fact.points;
        if (delta > 0n) model.mintedPoints += delta;
        else model.burnedPoints -= delta;
        fact.points = points;
        if (request.action === 'void') fact.voided = true;
        else fact.dataJson = request.dataJson ?? fact.dataJson;
      },
    };
  }
  const walletHasEvents = world.log(request.walletId).length > 0;
  return { kind: 'rejected', code: walletHasEvents ? 'event-not-found' : 'wallet-not-found' };
}

registerOp<CorrectionRequest>({
  name: 'correct',
  weight: 8,
  generate(rng, world) {
    const facts = [...world.model.facts.values()];
    const deposits = [...world.model.deposits.values()];
    const action = rng.chance(0.3) ? 'void' : 'amend';
    if (rng.chance(0.5) && facts.length > 0) {
      const fact = rng.pick(facts);
      if (fact.depositEventId !== undefined) {
        return { walletId: fact.walletId, reference: fact.id, action, amountMinor: amount(rng) };
      }
      const dataJson = JSON.stringify(
        fact.type === 'trade' ? { qty: rng.int(0, 40), symbol: 'ACME' } : { n: rng.int(0, 9) },
      );
      return { walletId: fact.walletId, reference: fact.id, action, dataJson };
    }
    if (rng.chance(0.9) && deposits.length > 0) {
      const deposit = rng.pick(deposits);
      const reference = deposit.key !== undefined && rng.chance(0.5) ? deposit.key : deposit.eventId;
      const amountMinor = rng.chance(0.2) && deposit.effective !== null ? deposit.effective : amount(rng);
      return { walletId: deposit.walletId, reference, action, amountMinor };
    }
    return { walletId: rng.pick(world.walletIds), reference: `nothing-${rng.int(0, 99)}`, action: 'void' };
  },
  async apply(world, request) {
    const expected = expectCorrection(world, request);
    let answer: CorrectionAnswer | undefined;
    let committed = false;
    for (let attempt = 0; attempt < 4 && answer === undefined; attempt++) {
      try {
        const reply = await world.system.correct(world.ids(attempt), request);
        // Contended (injected conflicts outlasted the retries): nothing was written; the client retries.
        if (reply.kind !== 'contended') answer = reply;
      } catch (error) {
        if (!isInjected(error)) throw error;
        if (takeLostAnswers(world).some((lost) => lost.outcome.kind === 'appended')) committed = true;
      }
    }
    world.touched.add(request.walletId);
    // After a lost answer the retry finds the correction standing: it answers 'unchanged'.
    const want = committed ? 'unchanged' : expected.kind;
    if (
      answer !== undefined &&
      (answer.kind !== want || (answer.kind === 'rejected' && answer.code !== expected.code))
    ) {
      world.violation(
        'correction-as-modelled',
        `${request.action} of ${request.reference} on ${request.walletId} answered ${JSON.stringify(answer)}, model expected ${want} ${expected.code ?? ''}`,
      );
    }
    if (answer?.kind === 'corrected' || answer?.kind === 'unchanged')
      correctionViewsAreFolds(world, request, answer);
    if (expected.kind === 'corrected' && (committed || answer?.kind === 'corrected')) expected.apply?.();
  },
});

/**
 * The wallet's views a correction answers (before and after, folded from the log it decided on:
 * app/corrections.ts correctAndShow) are each the fold of the log's events they claim, lane by lane
 * (read models = fold of the log); a recorded correction's after holds lane 0 up to it at least.
 */
function correctionViewsAreFolds(
  world: World,
  request: CorrectionRequest,
  answer: Extract<CorrectionAnswer, { kind: 'corrected' | 'unchanged' }>,
): void {
  const log = world.log(request.walletId);
  for (const [name, view] of [
    ['before', answer.before],
    ['after', answer.after],
  ] as const) {
    const missing = view.lanes.flatMap((version, lane) =>
      version > 0 && !log.some((event) => event.lane === lane && event.version === version)
        ? [`${lane}/${version}`]
        : [],
    );
    if (missing.length > 0) {
      // The answer stands on events the log does not hold: a write acknowledged (the correction's
      // own, or one the read found) is gone.
      world.violation(
        'no-acknowledged-write-lost',
        `${request.action} of ${request.reference} on ${request.walletId} answered ${name} with ${missing.join(', ')} (lane/version), not in the log`,
      );
      return;
    }
    const fold = world.system.fold(
      request.walletId,
      log.filter((event) => event.version <= (view.lanes[event.lane] ?? 0)),
    );
    if (!sameView(view, fold))
      world.violation(
        'correction-views-are-folds',
        `${request.action} of ${request.reference} on ${request.walletId}: ${name} is not the fold of the events it claims: ${viewDiff(view, fold)}`,
      );
  }
  if (answer.kind === 'corrected' && (answer.after.lanes[0] ?? 0) < answer.version)
    world.violation(
      'correction-views-are-folds',
      `${request.reference} on ${request.walletId}: after (lane 0 at ${answer.after.lanes[0] ?? 0}) misses the correction`,
    );
}

registerOp<{ walletId: string }>({
  name: 'replay-wallet',
  weight: 2,
  generate: (rng, world) => ({ walletId: rng.pick(world.walletIds) }),
  async apply(world, { walletId }) {
    world.touched.add(walletId);
    try {
      await world.system.replayWallet(walletId);
    } catch (error) {
      if (!isInjected(error)) throw error;
      return;
    }
    const stored = await world.inner.getView(walletId);
    const log = world.log(walletId);
    if (log.length > 0 && !sameView(stored, world.system.fold(walletId, log))) {
      world.violation(
        'replay-restores-the-view',
        `after a replay of ${walletId} the stored view is not the fold of its log`,
      );
    }
  },
});

registerOp<Record<string, never>>({
  name: 'replay-job',
  weight: 0.4,
  generate: () => ({}),
  apply: (world) => runReplayJob(world),
});

registerOp<{ instance: number }>({
  name: 'cold-start',
  weight: 1,
  generate: (rng) => ({
    instance: rng.chance(0.5) ? rng.int(0, API_INSTANCES - 1) : 10 + rng.int(0, PROJECTOR_INSTANCES - 1),
  }),
  async apply(world, { instance }) {
    world.system.coldStart(instance);
  },
});

registerOp<{ ms: number }>({
  name: 'tick',
  weight: 1,
  generate: (rng) => ({ ms: rng.int(1, 4 * 3_600_000) }),
  async apply(world, { ms }) {
    world.nowMs += ms;
  },
});

/** Every channel delivered without faults, then the checks that need a quiet system (see engine). */
registerOp<Record<string, never>>({
  name: 'drain',
  weight: 1,
  generate: () => ({}),
  async apply() {},
});

/** Field-for-field equality of two views (bigints included); undefined equals nothing. */
export function sameView(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  return deepEqual(a, b);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const keysB = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA) {
    if (!deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** The fields where two views differ, as `field: a ≠ b` (for a readable violation). */
export function viewDiff(actual: unknown, expected: unknown): string {
  if (actual === undefined || expected === undefined)
    return `${actual === undefined ? 'no view' : 'a view'} ≠ ${expected === undefined ? 'no view' : 'a view'}`;
  const a = actual as Record<string, unknown>;
  const b = expected as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (key) => !deepEqual(a[key], b[key]),
  );
  return fields
    .map((key) => `${key}: ${viewText(a[key])} ≠ ${viewText(b[key])}`)
    .join('; ')
    .slice(0, 600);
}

export const viewText = (view: unknown): string =>
  JSON.stringify(view, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value));
