import type { StoredEvent } from '../support/in-memory-event-store.ts';
import { registerInvariant, type WalletFacts } from './invariants.ts';
import { ASSETS, type TradeKeyEffect } from './model-trading.ts';
import { type Asset, tradeIdempotency } from './system.ts';
import type { World } from './world.ts';

/**
 * What trading must keep: no asset's available amount below its floor, the amounts held as the
 * model says, each trading request applied once (and every acknowledged one applied), and trading
 * moving value between wallets without making or losing any.
 */

/** Per asset: balance, held, and what may be spent (`balance − held`). */
function position(wallet: WalletFacts, asset: Asset) {
  const { fold } = wallet;
  const balance = asset === 'money' ? fold.balanceMinor : fold.points;
  const held = asset === 'money' ? fold.moneyHeldMinor : fold.pointsHeld;
  return { balance, held, available: balance - held };
}

/** Positions below their floor, whatever took them there: a spend, or a correction taking back what was spent. */
function belowFloor(world: World, wallet: WalletFacts): string[] {
  const problems: string[] = [];
  for (const asset of ASSETS) {
    const floor = asset === 'money' ? (world.model.floors.get(wallet.walletId) ?? 0n) : 0n;
    const { balance, held, available } = position(wallet, asset);
    if (available < floor)
      problems.push(
        `${wallet.walletId} ${asset}: available ${available} (balance ${balance} − held ${held}) below its floor ${floor}`,
      );
  }
  return problems;
}

/** Spends and corrections alike: a correction that would cross the floor is refused (decide.ts). */
registerInvariant({
  name: 'available-above-floor',
  when: 'step',
  check: (world, wallet) => belowFloor(world, wallet),
});

registerInvariant({
  name: 'held-as-modelled',
  when: 'step',
  check(world, wallet) {
    const problems: string[] = [];
    for (const asset of ASSETS) {
      const { held } = position(wallet, asset);
      const expected = world.trading.heldOf(wallet.walletId, asset);
      if (held !== expected)
        problems.push(`${wallet.walletId} holds ${held} ${asset}; the model says ${expected}`);
    }
    return problems;
  },
});

const tradingKeyOf = (event: StoredEvent): string | undefined =>
  event.idempotencyKey?.startsWith('t-') ? event.idempotencyKey : undefined;

/**
 * Every trading request the model knows took effect left its events in each wallet it names;
 * every trading event in a log is one its key's record names (a retry that applied a request
 * again would add events the first commit's record does not list) and one the model knows of.
 */
registerInvariant({
  name: 'trade-applied-exactly-once',
  when: 'step',
  async check(world, { walletId, log }) {
    const problems: string[] = [];
    const keys = new Set(log.flatMap((event) => tradingKeyOf(event) ?? []));
    for (const [key, effect] of world.trading.keys) {
      if (effect.wallets.includes(walletId) && !keys.has(key))
        problems.push(
          `trading request ${key} (${effect.body}) was acknowledged and is not in ${walletId}'s log`,
        );
    }
    for (const key of keys) {
      if (!world.trading.keys.has(key)) {
        problems.push(
          `${walletId} holds events of trading key ${key} that no client was told of and no crash committed`,
        );
        continue;
      }
      const effect = world.trading.keys.get(key) as TradeKeyEffect;
      const record = await world.inner.findIdempotency(tradeIdempotency(effect.request, key).key);
      const named = new Set(record?.eventIds ?? []);
      const stray = log.filter((event) => tradingKeyOf(event) === key && !named.has(event.eventId));
      if (stray.length > 0)
        problems.push(
          `trading key ${key} applied again on ${walletId}: ${stray.map((event) => event.eventId).join(', ')}`,
        );
    }
    return problems;
  },
});

/**
 * Trading moves value and never makes or loses it: per asset, over all wallets, what came in by
 * transfers equals what went out by transfers and by captures to a wallet; captures to no wallet
 * leave the system, and must be what the model counted. (The sum over wallets of each asset is
 * checked against what was minted and burned in invariants.ts: trading counts in neither but by
 * those captures.)
 */
registerInvariant({
  name: 'trading-conserves-each-asset',
  when: 'quiescent',
  checkAll(world, wallets) {
    const net: Record<Asset, bigint> = { money: 0n, points: 0n };
    const paidOut: Record<Asset, bigint> = { money: 0n, points: 0n };
    for (const { log } of wallets) {
      for (const event of log) {
        if (event.type === 'TransferredIn') net[event.data.asset] += event.data.amount;
        else if (event.type === 'TransferredOut') net[event.data.asset] -= event.data.amount;
        else if (event.type === 'HoldCaptured') {
          if (event.data.counterparty === undefined) paidOut[event.data.asset] += event.data.amount;
          else net[event.data.asset] -= event.data.amount;
        }
      }
    }
    return ASSETS.flatMap((asset) => [
      ...(net[asset] === 0n ? [] : [`trading made ${net[asset]} ${asset} (in − out over all wallets)`]),
      ...(paidOut[asset] === world.trading.paidOut[asset]
        ? []
        : [
            `captures paid out ${paidOut[asset]} ${asset}; the model counted ${world.trading.paidOut[asset]}`,
          ]),
    ]);
  },
});
