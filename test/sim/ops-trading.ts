import { isInjected } from './faults.ts';
import { observeDeposits, takeLostAnswers } from './model.ts';
import {
  ASSETS,
  expectTrade,
  freeOf,
  observeTrades,
  type TradeCall,
  takeLostTrades,
} from './model-trading.ts';
import { amount, depositClient, registerOp } from './ops.ts';
import { TRADING_PROCESS } from './process-stores.ts';
import type { Rng } from './rng.ts';
import { type Asset, type TradeAnswer, type TradeRequest, tradeNamespace } from './system.ts';
import { API_INSTANCES, type World } from './world.ts';

/**
 * Trading ops: transfers (alone and racing out of one wallet), holds placed, captured (in part,
 * to another wallet or out of the system) and released, and offers posted, accepted and
 * cancelled, across every wallet and both assets. Each sends an Idempotency-Key, sometimes one
 * used before (with the same request, or another), and is judged by model-trading.ts.
 */

const other = (rng: Rng, world: World, walletId: string): string =>
  rng.pick(world.walletIds.filter((candidate) => candidate !== walletId));

/** An amount to spend: usually affordable, sometimes all there is, sometimes more. */
function spendAmount(rng: Rng, world: World, walletId: string, asset: Asset): bigint {
  const free = freeOf(world, walletId, asset, world.nowMs);
  const roll = rng.float();
  if (roll < 0.15 || free <= 0n) return (free > 0n ? free : 0n) + BigInt(rng.int(1, 5_000));
  if (roll < 0.25) return free;
  return 1n + BigInt(rng.int(0, Number(free < 1_000_000n ? free - 1n : 999_999n)));
}

const expiresInMs = (rng: Rng): number =>
  rng.pick([rng.int(1_000, 10_000), rng.int(60_000, 3_600_000), 86_400_000]);

/**
 * The key: fresh mostly; sometimes a used one with its own request (a retry), or with this one.
 * Keys are scoped by route (system.ts tradeIdempotency), so "this one" is another request to the
 * same route (a used key's text sent to another route is a new key there, not a reuse); thus a
 * client key names one request in the model.
 */
function keyed(rng: Rng, world: World, request: TradeRequest): { request: TradeRequest; key: string } {
  const used = [...world.trading.keys.keys()];
  const roll = rng.float();
  if (used.length > 0 && roll < 0.08) {
    const key = rng.pick(used);
    return { request: world.trading.keys.get(key)?.request ?? request, key };
  }
  const sameRoute = [...world.trading.keys]
    .filter(([, effect]) => tradeNamespace(effect.request) === tradeNamespace(request))
    .map(([key]) => key);
  if (sameRoute.length > 0 && roll < 0.12) return { request, key: rng.pick(sameRoute) };
  return { request, key: `t-${world.opIndex}-${rng.int(0, 1e6)}` };
}

/** A client: retries an injected fault or a contended answer with the same key, four times at most. */
async function tradeClient(world: World, call: string, request: TradeRequest, key: string) {
  let answer: TradeAnswer | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      answer = await world.system.trade(world.ids(`${call}.${attempt}`), request, key);
      if (answer.kind !== 'contended') return answer;
    } catch (error) {
      if (!isInjected(error)) throw error;
    }
  }
  return answer;
}

type Params = { request: TradeRequest; key: string };

/** Registers an op that sends one request alone, judged against what the model expects. */
function single(name: string, weight: number, generate: (rng: Rng, world: World) => TradeRequest): void {
  registerOp<Params>({
    name,
    weight,
    generate: (rng, world) => keyed(rng, world, generate(rng, world)),
    async apply(world, { request, key }) {
      const expected = expectTrade(world, request, key);
      const answer = await tradeClient(world, 't', request, key);
      const call: TradeCall = { request, key, answer, expected };
      observeTrades(world, [call], takeLostTrades(world));
    },
  });
}

single('transfer', 12, (rng, world) => {
  const from = rng.pick(world.walletIds);
  const asset = rng.pick(ASSETS);
  return {
    op: 'transfer',
    from,
    to: other(rng, world, from),
    asset,
    amount: spendAmount(rng, world, from, asset),
  };
});

single('place-hold', 5, (rng, world) => {
  const walletId = rng.pick(world.walletIds);
  const asset = rng.pick(ASSETS);
  return {
    op: 'place-hold',
    walletId,
    asset,
    amount: spendAmount(rng, world, walletId, asset),
    expiresInMs: expiresInMs(rng),
  };
});

/** A hold the model knows (mostly a running one), or one that does not exist. */
function someHold(rng: Rng, world: World, offers: boolean) {
  const holds = [...world.trading.holds.values()].filter((hold) => (hold.price !== undefined) === offers);
  const running = holds.filter((hold) => hold.status === 'active');
  if (holds.length === 0 || rng.chance(0.05)) return undefined;
  return rng.pick(running.length > 0 && rng.chance(0.8) ? running : holds);
}

single('capture-hold', 4, (rng, world) => {
  const hold = someHold(rng, world, false);
  const walletId = hold?.walletId ?? rng.pick(world.walletIds);
  const part = hold !== undefined && rng.chance(0.4) ? BigInt(rng.int(1, Number(hold.amount))) : undefined;
  return {
    op: 'capture-hold',
    walletId,
    holdId: hold?.holdId ?? `o${world.opIndex}.nohold-1`,
    asset: hold?.asset ?? 'money',
    ...(part === undefined ? {} : { amount: part }),
    ...(rng.chance(0.6) ? { to: other(rng, world, walletId) } : {}),
  };
});

single('release-hold', 2, (rng, world) => {
  const hold = someHold(rng, world, false);
  return {
    op: 'release-hold',
    walletId: hold?.walletId ?? rng.pick(world.walletIds),
    holdId: hold?.holdId ?? `o${world.opIndex}.nohold-1`,
  };
});

single('post-offer', 4, (rng, world) => {
  const seller = rng.pick(world.walletIds);
  const asset = rng.pick(ASSETS);
  return {
    op: 'open-offer',
    seller,
    asset,
    amount: spendAmount(rng, world, seller, asset),
    price: { asset: asset === 'money' ? 'points' : 'money', amount: BigInt(rng.int(1, 20_000)) },
    expiresInMs: expiresInMs(rng),
  };
});

/** An offer the model knows, or one that was never posted (under a seller that exists). */
function someOffer(rng: Rng, world: World): { offerId: string; seller: string } {
  const offer = someHold(rng, world, true);
  if (offer !== undefined) return { offerId: offer.holdId, seller: offer.walletId };
  const seller = rng.pick(world.walletIds);
  return { offerId: `${Buffer.from(seller).toString('base64url')}.nooffer${world.opIndex}`, seller };
}

single('accept-offer', 4, (rng, world) => {
  const { offerId, seller } = someOffer(rng, world);
  return { op: 'accept-offer', offerId, buyer: other(rng, world, seller) };
});

single('cancel-offer', 1.5, (rng, world) => ({ op: 'cancel-offer', offerId: someOffer(rng, world).offerId }));

/**
 * Spenders racing on one wallet: transfers out of it at once, through separate API instances,
 * sometimes a twin (the same key and request twice, a client retrying before the first answered).
 * Which of them win the model cannot say; that no interleaving overdraws, it can.
 */
registerOp<{ transfers: Params[] }>({
  name: 'concurrent-transfers',
  weight: 3,
  generate(rng, world) {
    const from = rng.pick(world.walletIds);
    const asset = rng.pick(ASSETS);
    const transfers: Params[] = Array.from({ length: rng.int(2, 5) }, (_, index) => ({
      request: {
        op: 'transfer',
        from,
        to: other(rng, world, from),
        asset,
        amount: spendAmount(rng, world, from, asset),
      },
      key: `t-${world.opIndex}-${index}-${rng.int(0, 1e6)}`,
    }));
    if (rng.chance(0.3)) transfers.push(transfers[0] as Params);
    return { transfers };
  },
  async apply(world, { transfers }) {
    const answers = await Promise.all(
      transfers.map(({ request, key }, index) => tradeClient(world, `c${index}`, request, key)),
    );
    const calls = transfers.map(
      ({ request, key }, index): TradeCall => ({ request, key, answer: answers[index] }),
    );
    observeTrades(world, calls, takeLostTrades(world));
  },
});

/**
 * Arrivals in stages: the first transfer at once (its reads fill the process's cached state), the
 * holds while they are out (no early read of their own: they read the head, then the cache), the
 * deposit while those are out, the other transfers after it committed (they read the newer state).
 */
function staged(rng: Rng, trades: Params[]): number[] {
  let first = true;
  return [
    ...trades.map(({ request }) => {
      if (request.op === 'place-hold') return rng.int(15, 30);
      if (first) {
        first = false;
        return 0;
      }
      return rng.int(60, 150);
    }),
    rng.int(30, 50),
  ];
}

/** The latest a request of concurrent-spends arrives, in microtask turns (a few store calls). */
const ARRIVAL_TURNS_MAX = 120;

/**
 * Everything that moves one wallet's lane 0 at once: holds placed on it and transfers out of and
 * into it through the trading process, with a deposit through an API instance. In one process a
 * hold's lane-0 batch, a transfer's state read and a cold hold's early read meet on the wallet's
 * cached state; with answers held back (faults-hold.ts), a read's answer comes after a later one's
 * and after other writers' commits: the shape of review3's double count (stop 22, ed3b841).
 */
registerOp<{
  walletId: string;
  trades: Params[];
  deposit?: { instance: number; amountMinor: bigint };
  arrivals: number[];
  /** A new trading instance takes them (no state cached, none carried): each request reads. */
  cold: boolean;
}>({
  name: 'concurrent-spends',
  weight: 3,
  generate(rng, world) {
    const walletId = rng.pick(world.walletIds);
    const asset = rng.pick(ASSETS);
    const trades: Params[] = Array.from({ length: rng.int(2, 5) }, (_, index): Params => {
      const key = `t-${world.opIndex}-${index}-${rng.int(0, 1e6)}`;
      const kind = rng.int(0, 2);
      if (kind === 0) {
        const request: TradeRequest = {
          op: 'place-hold',
          walletId,
          asset,
          // Sometimes more than is free: enough only with a concurrent credit (once, never twice).
          amount: rng.chance(0.5)
            ? freeOf(world, walletId, asset, world.nowMs) + BigInt(rng.int(1, 150_000))
            : spendAmount(rng, world, walletId, asset),
          expiresInMs: expiresInMs(rng),
        };
        return { request, key };
      }
      const from = kind === 1 ? walletId : other(rng, world, walletId);
      const to = kind === 1 ? other(rng, world, walletId) : walletId;
      return {
        request: { op: 'transfer', from, to, asset, amount: spendAmount(rng, world, from, asset) },
        key,
      };
    });
    return {
      walletId,
      trades,
      ...(asset === 'money' && rng.chance(0.6)
        ? { deposit: { instance: rng.int(0, API_INSTANCES - 1), amountMinor: amount(rng) } }
        : {}),
      // Each request arrives this many microtask turns in: some read after others committed.
      arrivals: rng.chance(0.5)
        ? staged(rng, trades)
        : Array.from({ length: trades.length + 1 }, () => rng.int(0, ARRIVAL_TURNS_MAX)),
      cold: rng.chance(0.5),
    };
  },
  async apply(world, { walletId, trades, deposit, arrivals, cold }) {
    if (cold) world.system.coldStart(TRADING_PROCESS);
    const arrive = async (index: number) => {
      for (let turn = 0; turn < (arrivals[index] ?? 0); turn++) await Promise.resolve();
    };
    const [answers, credit] = await Promise.all([
      Promise.all(
        trades.map(async ({ request, key }, index) => {
          await arrive(index);
          return tradeClient(world, `s${index}`, request, key);
        }),
      ),
      deposit === undefined
        ? undefined
        : arrive(trades.length).then(() =>
            depositClient(world, deposit.instance, 'd', { walletId, amountMinor: deposit.amountMinor }),
          ),
    ]);
    const calls = trades.map(
      ({ request, key }, index): TradeCall => ({ request, key, answer: answers[index] }),
    );
    // The trades' lost answers first (their keys), then the deposit's (the rest of this op's).
    observeTrades(world, calls, takeLostTrades(world));
    if (credit !== undefined) {
      const { amountMinor, answer } = credit;
      observeDeposits(world, [{ walletId, amountMinor, answer }], takeLostAnswers(world));
    }
  },
});
