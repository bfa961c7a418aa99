import type { Asset, TradeAnswer, TradeRequest } from './system.ts';
import { tradeText } from './system.ts';
import type { World } from './world.ts';

/**
 * The model of trading: what transfers, holds and offers the clients were told took effect (or
 * saw commit with the answer lost), and what each wallet's assets must be because of them. Like
 * the rest of the model it is never read from the store: it is what the rules say must follow.
 */
export interface HoldEffect {
  holdId: string;
  walletId: string;
  asset: Asset;
  amount: bigint;
  expiresAtMs: number;
  status: 'active' | 'captured' | 'released' | 'expired';
  price?: { asset: Asset; amount: bigint };
}

export interface TradeKeyEffect {
  request: TradeRequest;
  /** What identifies the request for idempotency (the same text the payload hash is of). */
  payload: string;
  body: string;
  /** The wallets its events went to (each must hold an event with the key). */
  wallets: string[];
}

export const ASSETS = ['money', 'points'] as const satisfies readonly Asset[];

export class TradingModel {
  readonly keys = new Map<string, TradeKeyEffect>();
  readonly holds = new Map<string, HoldEffect>();
  /** Net amount trading moved per `wallet|asset` (captures out of the system included). */
  readonly moved = new Map<string, bigint>();
  /** Captures with no receiving wallet: what left the system, per asset. */
  readonly paidOut: Record<Asset, bigint> = { money: 0n, points: 0n };

  movedOf(walletId: string, asset: Asset): bigint {
    return this.moved.get(`${walletId}|${asset}`) ?? 0n;
  }

  heldOf(walletId: string, asset: Asset): bigint {
    let held = 0n;
    for (const hold of this.holds.values())
      if (hold.walletId === walletId && hold.asset === asset && hold.status === 'active') held += hold.amount;
    return held;
  }

  move(walletId: string, asset: Asset, by: bigint): void {
    this.moved.set(`${walletId}|${asset}`, this.movedOf(walletId, asset) + by);
  }

  /** A spend at `atMs` ends the holds of its asset that expired (the decider's lapse, trading.ts). */
  lapse(walletId: string, asset: Asset, atMs: number): void {
    for (const hold of this.holds.values()) {
      if (
        hold.walletId === walletId &&
        hold.asset === asset &&
        hold.status === 'active' &&
        atMs >= hold.expiresAtMs
      )
        hold.status = 'expired';
    }
  }
}

const balanceOf = (world: World, walletId: string, asset: Asset): bigint =>
  asset === 'money' ? world.expectedBalance(walletId) : world.expectedPoints(walletId);

/** What a spend at `atMs` may take: the balance less the holds still running then. */
export function freeOf(world: World, walletId: string, asset: Asset, atMs: number): bigint {
  let free = balanceOf(world, walletId, asset);
  for (const hold of world.trading.holds.values()) {
    if (
      hold.walletId === walletId &&
      hold.asset === asset &&
      hold.status === 'active' &&
      atMs < hold.expiresAtMs
    )
      free -= hold.amount;
  }
  return free;
}

/** The wallets a request writes to. */
export function walletsOf(request: TradeRequest): string[] {
  switch (request.op) {
    case 'transfer':
      return [request.from, request.to];
    case 'place-hold':
    case 'release-hold':
      return [request.walletId];
    case 'capture-hold':
      return request.to === undefined ? [request.walletId] : [request.walletId, request.to];
    case 'open-offer':
      return [request.seller];
    case 'accept-offer':
      return [sellerOf(request.offerId) ?? '?', request.buyer];
    case 'cancel-offer':
      return [sellerOf(request.offerId) ?? '?'];
  }
}

/** The seller an offer id names (base64url(seller) "." id, as the offer book gives them out). */
export function sellerOf(offerId: string): string | undefined {
  const [encoded, id] = offerId.split('.');
  return encoded && id ? Buffer.from(encoded, 'base64url').toString('utf8') : undefined;
}

type Expected = { kind: 'recorded' } | { kind: 'rejected'; code: string };

/** What the rules say a request alone (nothing racing it) must answer, from the model as it stands. */
export function expectTrade(
  world: World,
  request: TradeRequest,
  key: string,
): Expected | { kind: 'replayed' | 'key-reused' } {
  const { trading, nowMs } = world;
  const known = trading.keys.get(key);
  if (known !== undefined)
    return known.payload === tradeText(request) ? { kind: 'replayed' } : { kind: 'key-reused' };
  const refuse = (code: string): Expected => ({ kind: 'rejected', code });
  const afford = (walletId: string, asset: Asset, amount: bigint): Expected =>
    freeOf(world, walletId, asset, nowMs) >= amount ? { kind: 'recorded' } : refuse('insufficient-funds');
  switch (request.op) {
    case 'transfer':
      return afford(request.from, request.asset, request.amount);
    case 'place-hold':
      return afford(request.walletId, request.asset, request.amount);
    case 'open-offer':
      return afford(request.seller, request.asset, request.amount);
    case 'capture-hold':
    case 'release-hold': {
      const hold = trading.holds.get(request.holdId);
      if (hold === undefined || hold.walletId !== request.walletId) return refuse('hold-not-found');
      if (hold.status !== 'active') return refuse('hold-not-active');
      if (request.op === 'release-hold') return { kind: 'recorded' };
      if (nowMs >= hold.expiresAtMs) return refuse('hold-not-active');
      const amount = request.amount ?? hold.amount;
      return amount > 0n && amount <= hold.amount ? { kind: 'recorded' } : refuse('invalid-amount');
    }
    case 'accept-offer':
    case 'cancel-offer': {
      const offer = trading.holds.get(request.offerId);
      if (offer?.price === undefined) return refuse('offer-not-found');
      if (offer.status !== 'active' || nowMs >= offer.expiresAtMs) return refuse('offer-not-open');
      if (request.op === 'cancel-offer') return { kind: 'recorded' };
      return afford(request.buyer, offer.price.asset, offer.price.amount);
    }
  }
}

/** Moves the model as request `request`, answered with id `id`, took effect at `world.nowMs`. */
function applyTrade(world: World, request: TradeRequest, id: string): void {
  const { trading, nowMs } = world;
  const burn = (asset: Asset, amount: bigint) => {
    trading.paidOut[asset] += amount;
    if (asset === 'money') world.model.burnedMinor += amount;
    else world.model.burnedPoints += amount;
  };
  switch (request.op) {
    case 'transfer':
      trading.lapse(request.from, request.asset, nowMs);
      trading.move(request.from, request.asset, -request.amount);
      trading.move(request.to, request.asset, request.amount);
      return;
    case 'place-hold':
    case 'open-offer': {
      const walletId = request.op === 'place-hold' ? request.walletId : request.seller;
      trading.lapse(walletId, request.asset, nowMs);
      trading.holds.set(id, {
        holdId: id,
        walletId,
        asset: request.asset,
        amount: request.amount,
        expiresAtMs: nowMs + request.expiresInMs,
        status: 'active',
        ...(request.op === 'open-offer' ? { price: request.price } : {}),
      });
      return;
    }
    case 'capture-hold': {
      const hold = trading.holds.get(request.holdId);
      if (hold === undefined) return;
      const amount = request.amount ?? hold.amount;
      hold.status = 'captured';
      trading.move(hold.walletId, hold.asset, -amount);
      if (request.to === undefined) burn(hold.asset, amount);
      else trading.move(request.to, hold.asset, amount);
      return;
    }
    case 'release-hold':
    case 'cancel-offer': {
      const hold = trading.holds.get(request.op === 'release-hold' ? request.holdId : request.offerId);
      if (hold !== undefined) hold.status = 'released';
      return;
    }
    case 'accept-offer': {
      const offer = trading.holds.get(request.offerId);
      if (offer?.price === undefined) return;
      offer.status = 'captured';
      trading.move(offer.walletId, offer.asset, -offer.amount);
      trading.move(offer.walletId, offer.price.asset, offer.price.amount);
      trading.lapse(request.buyer, offer.price.asset, nowMs);
      trading.move(request.buyer, offer.price.asset, -offer.price.amount);
      trading.move(request.buyer, offer.asset, offer.amount);
      return;
    }
  }
}

/** A trading commit whose answer was lost to a crash: its key and the answer it stored. */
export interface LostTrade {
  key: string;
  body: string;
}

/** The client's key of an append's idempotency (its item's key is scoped: system.ts tradeIdempotency). */
const clientKeyOf = (idempotency: { key: string; reference?: string } | undefined): string | undefined =>
  idempotency && (idempotency.reference ?? idempotency.key);

/** The trading commits this op made whose answers were lost, taken off the fault injector's lists. */
export function takeLostTrades(world: World): LostTrade[] {
  const prefix = `o${world.opIndex}.`;
  const lost: LostTrade[] = [];
  const { faults } = world;
  faults.lostAnswers = faults.lostAnswers.filter(({ request, outcome }) => {
    const key = clientKeyOf(request.idempotency);
    const mine = request.events[0]?.eventId.startsWith(prefix) && key?.startsWith('t-');
    if (mine && outcome.kind === 'appended' && request.idempotency && key !== undefined)
      lost.push({ key, body: request.idempotency.response.body });
    return !mine;
  });
  faults.lostTogetherAnswers = faults.lostTogetherAnswers.filter(({ request, outcome }) => {
    const mine = request.appends[0]?.events[0]?.eventId.startsWith(prefix);
    const key = clientKeyOf(request.idempotency);
    if (mine && outcome.kind === 'appended' && request.idempotency && key !== undefined)
      lost.push({ key, body: request.idempotency.response.body });
    return !mine;
  });
  return lost;
}

export interface TradeCall {
  request: TradeRequest;
  key: string;
  answer: TradeAnswer | undefined;
  /** What the model expected before it ran (undefined for racing calls: any rule-abiding answer goes). */
  expected?: ReturnType<typeof expectTrade>;
}

/** Judges trading answers (racing ones together): lost commits first, then commits, then the rest. */
export function observeTrades(world: World, calls: readonly TradeCall[], lost: readonly LostTrade[]): void {
  const { trading } = world;
  const commit = (call: TradeCall, body: string) => {
    if (trading.keys.has(call.key)) {
      world.violation('effect-applied-once', `trading key ${call.key} took effect twice`);
      return;
    }
    if (call.expected !== undefined && call.expected.kind !== 'recorded') {
      world.violation(
        'trade-as-modelled',
        `${tradeText(call.request)} took effect; the model expected ${JSON.stringify(call.expected)}`,
      );
    }
    const id = (JSON.parse(body) as { id: string }).id;
    applyTrade(world, call.request, id);
    trading.keys.set(call.key, {
      request: call.request,
      payload: tradeText(call.request),
      body,
      wallets: walletsOf(call.request),
    });
  };
  for (const { key, body } of lost) {
    const call = calls.find((candidate) => candidate.key === key);
    if (call === undefined)
      world.violation('trade-as-modelled', `a commit under key ${key} no call of this op sent`);
    else commit(call, body);
  }
  for (const call of calls) if (call.answer?.kind === 'recorded') commit(call, call.answer.body);
  for (const call of calls) {
    const { answer } = call;
    for (const walletId of walletsOf(call.request)) world.touched.add(walletId);
    const kind = answer === undefined ? 'nothing' : answer.kind === 'rejected' ? answer.code : answer.kind;
    world.answers.set(kind, (world.answers.get(kind) ?? 0) + 1);
    if (answer === undefined || answer.kind === 'recorded' || answer.kind === 'contended') continue;
    const known = trading.keys.get(call.key);
    const text = tradeText(call.request);
    if (answer.kind === 'replayed') {
      if (known?.payload !== text || known.body !== answer.body)
        world.violation(
          'idempotent-answer',
          `trading key ${call.key} replayed ${answer.body}; the model has ${known?.body ?? 'nothing'}`,
        );
    } else if (answer.kind === 'key-reused') {
      if (known === undefined || known.payload === text)
        world.violation(
          'idempotent-answer',
          `trading key ${call.key} refused as reused; the model has ${known?.payload ?? 'nothing'}`,
        );
    } else if (known !== undefined && known.payload === text) {
      // A twin racing the request that commits decides against the state after it: see KNOWN_ISSUES.
      world.violation(
        call.expected === undefined ? 'racing-twin-refused' : 'idempotent-answer',
        `trading key ${call.key} took effect, and its twin was refused: ${answer.code}`,
      );
    } else if (
      call.expected === undefined
        ? answer.code !== 'insufficient-funds'
        : JSON.stringify(call.expected) !== JSON.stringify(answer)
    ) {
      world.violation(
        'trade-as-modelled',
        `${text} answered ${JSON.stringify(answer)}; the model expected ${JSON.stringify(call.expected ?? 'a success or insufficient-funds')}`,
      );
    }
  }
}
