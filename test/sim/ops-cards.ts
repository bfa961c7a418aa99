import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { authorizationJson } from '#app/card-answers.ts';
import { type CardAction, type CardDeps, cardAction } from '#app/cards.ts';
import { defaultRetryPolicy } from '#app/command-handler.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import type { EventStore } from '#ports/event-store.ts';
import { isInjected } from './faults.ts';
import { checkCards } from './invariants-cards.ts';
import {
  applyCard,
  CARD_ACCOUNTS,
  CARD_TTL_MS,
  type CardAnswer,
  type CardRequest,
  cardsOf,
  cardText,
  type Expected,
  expectCard,
} from './model-cards.ts';
import { registerOp } from './ops.ts';
import { CARD_PROCESS, processStores } from './process-stores.ts';
import type { Rng } from './rng.ts';
import type { World } from './world.ts';

/**
 * Card ops: accounts opened, limits changed, purchases authorized (alone and racing on one
 * account), approvals captured and voided, payments and their returns, all with an
 * Idempotency-Key (sometimes one used before), through the card use case (app/cards.ts) on the
 * faulty store. Each op is judged by model-cards.ts and then checked (invariants-cards.ts).
 */

export type CardActionFn = typeof cardAction;

function actionOf(request: CardRequest): CardAction {
  switch (request.op) {
    case 'open':
      return { kind: 'open', creditLimit: request.creditLimit, currency: 'EUR' };
    case 'limit':
      return { kind: 'limit', creditLimit: request.creditLimit };
    case 'authorize':
      return { kind: 'authorize', amount: request.amount, merchant: { id: 'm-1', mcc: request.mcc } };
    case 'capture':
      return {
        kind: 'capture',
        authorizationId: request.authorizationId,
        ...(request.amount === undefined ? {} : { amount: request.amount }),
      };
    case 'void':
      return { kind: 'void', authorizationId: request.authorizationId };
    case 'pay':
      return { kind: 'pay', paymentId: request.paymentId, amount: request.amount };
    case 'return':
      return { kind: 'return', paymentId: request.paymentId, reason: 'nsf' };
  }
}

const cardStores = new WeakMap<World, EventStore>();
/** The accounts function's store: with --group-commit its commands commit in groups (racing ones batch). */
export function cardStore(world: World): EventStore {
  let store = cardStores.get(world);
  if (store === undefined) {
    store = processStores(world.store, world.groupCommit)(CARD_PROCESS);
    cardStores.set(world, store);
  }
  return store;
}

/** One call of the card use case, answered as the HTTP handler would map it. */
async function callCard(world: World, call: string, request: CardRequest, key: string): Promise<CardAnswer> {
  const deps: CardDeps = {
    store: cardStore(world),
    clock: { nowMs: () => world.nowMs },
    ids: world.ids(call),
    decisionRules: builtInDecisionRules,
    retry: { ...defaultRetryPolicy, sleep: async () => {}, random: () => world.rng.float() },
    authorizationTtlMs: CARD_TTL_MS,
  };
  const action = (world.bugs.cardAction ?? cardAction) as CardActionFn;
  const result = await action(
    deps,
    {
      accountId: request.accountId,
      idempotency: { key, payloadHash: sha256Hex(`card:${cardText(request)}`) },
      respond: (events) => {
        const decided = events.find((event) => event.type === 'AuthorizationDecided');
        const body =
          decided?.type === 'AuthorizationDecided'
            ? authorizationJson(request.accountId, decided)
            : JSON.stringify({ events: events.map((event) => event.eventId) });
        return { statusCode: 201, body };
      },
    },
    actionOf(request),
  );
  switch (result.kind) {
    case 'recorded':
    case 'replayed':
      return { kind: result.kind, body: result.response.body };
    case 'rejected':
      return { kind: 'rejected', code: result.error.code };
    default:
      return { kind: result.kind };
  }
}

/** A client: retries an injected fault or a contended answer with the same key, four times at most. */
async function cardClient(world: World, call: string, request: CardRequest, key: string) {
  let answer: CardAnswer | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      answer = await callCard(world, `${call}.${attempt}`, request, key);
      if (answer.kind !== 'contended') return answer;
    } catch (error) {
      if (!isInjected(error)) throw error;
    }
  }
  return answer;
}

/** The commits of this op whose answers a crash lost: their keys and the answers they stored. */
function takeLostCards(world: World): { key: string; body: string }[] {
  const prefix = `o${world.opIndex}.`;
  const lost: { key: string; body: string }[] = [];
  world.faults.lostAnswers = world.faults.lostAnswers.filter(({ request, outcome }) => {
    const mine = request.events[0]?.eventId.startsWith(prefix) && request.idempotency?.key.startsWith('c-');
    if (mine && outcome.kind === 'appended' && request.idempotency)
      lost.push({ key: request.idempotency.key, body: request.idempotency.response.body });
    return !mine;
  });
  return lost;
}

interface Call {
  request: CardRequest;
  key: string;
  answer: CardAnswer | undefined;
  /** Undefined for racing calls: any answer the rules allow goes. */
  expected?: Expected;
}

/** Judges the answers (racing ones together): lost commits first, then commits, then the rest. */
function observe(world: World, calls: readonly Call[]): void {
  const model = cardsOf(world);
  const commit = (call: Call, body: string) => {
    if (model.keys.has(call.key)) {
      world.violation('card-applied-once', `card key ${call.key} took effect twice`);
      return;
    }
    const expected = call.expected;
    if (expected !== undefined && expected.kind !== 'recorded')
      world.violation(
        'card-as-modelled',
        `${cardText(call.request)} took effect; the model expected ${JSON.stringify(expected)}`,
      );
    if (expected?.kind === 'recorded' && expected.decision !== undefined) {
      const { decision, reasons } = JSON.parse(body) as { decision: string; reasons: string[] };
      if (decision !== expected.decision || JSON.stringify(reasons) !== JSON.stringify(expected.reasons))
        world.violation(
          'card-as-modelled',
          `${cardText(call.request)} decided ${decision} ${JSON.stringify(reasons)}; the model expected ${expected.decision} ${JSON.stringify(expected.reasons)}`,
        );
    }
    applyCard(model, call.request, body, world.nowMs);
    model.keys.set(call.key, { request: call.request, payload: cardText(call.request), body });
  };
  for (const { key, body } of takeLostCards(world)) {
    const call = calls.find((candidate) => candidate.key === key);
    if (call === undefined)
      world.violation('card-as-modelled', `a commit under key ${key} no call of this op sent`);
    else commit(call, body);
  }
  for (const call of calls) if (call.answer?.kind === 'recorded') commit(call, call.answer.body);
  for (const call of calls) {
    const { answer, expected } = call;
    const kind = answer === undefined ? 'nothing' : answer.kind === 'rejected' ? answer.code : answer.kind;
    world.answers.set(`card ${kind}`, (world.answers.get(`card ${kind}`) ?? 0) + 1);
    if (answer === undefined || answer.kind === 'recorded' || answer.kind === 'contended') continue;
    const known = model.keys.get(call.key);
    if (answer.kind === 'replayed') {
      if (known?.payload !== cardText(call.request) || known.body !== answer.body)
        world.violation(
          'card-idempotent-answer',
          `card key ${call.key} replayed ${answer.body}; the model has ${known?.body ?? 'nothing'}`,
        );
    } else if (answer.kind === 'key-reused') {
      if (known === undefined || known.payload === cardText(call.request))
        world.violation(
          'card-idempotent-answer',
          `card key ${call.key} refused as reused; the model has ${known?.payload ?? 'nothing'}`,
        );
    } else if (expected !== undefined && JSON.stringify(expected) !== JSON.stringify(answer)) {
      world.violation(
        'card-as-modelled',
        `${cardText(call.request)} answered ${JSON.stringify(answer)}; the model expected ${JSON.stringify(expected)}`,
      );
    } else if (expected === undefined) {
      world.violation('card-as-modelled', `a racing authorization answered ${JSON.stringify(answer)}`);
    }
  }
}

/** The key: fresh mostly; sometimes a used one with its own request (a retry), or with this one. */
function keyed(rng: Rng, world: World, request: CardRequest): { request: CardRequest; key: string } {
  const model = cardsOf(world);
  const used = [...model.keys.keys()];
  const roll = rng.float();
  if (used.length > 0 && roll < 0.06) {
    const key = rng.pick(used);
    return { request: model.keys.get(key)?.request ?? request, key };
  }
  if (used.length > 0 && roll < 0.09) return { request, key: rng.pick(used) };
  return { request, key: `c-${world.opIndex}-${rng.int(0, 1e6)}` };
}

/** An amount to authorize: usually within what is free, sometimes all of it, sometimes more. */
function authorizeAmount(rng: Rng, world: World, accountId: string): bigint {
  const free = cardsOf(world).free(accountId, world.nowMs);
  const roll = rng.float();
  if (roll < 0.03) return 500_001n + BigInt(rng.int(0, 10_000));
  if (roll < 0.15 || free <= 0n) return (free > 0n ? free : 0n) + BigInt(rng.int(1, 5_000));
  if (roll < 0.25) return free;
  return 1n + BigInt(rng.int(0, Number(free < 1_000_000n ? free - 1n : 999_999n)));
}

/** An approval (mostly a pending one), a declined authorization, or one that never was. */
function someAuthorization(rng: Rng, world: World, accountId: string): string {
  const account = cardsOf(world).accounts.get(accountId);
  const approvals = [...(account?.approvals.entries() ?? [])];
  const active = approvals.filter(([, approval]) => approval.status === 'active');
  const roll = rng.float();
  if (roll < 0.05 || approvals.length === 0) {
    const declined = [...(account?.declined ?? [])];
    return declined.length > 0 && rng.chance(0.5) ? rng.pick(declined) : `o${world.opIndex}.none-1`;
  }
  return rng.pick(active.length > 0 && rng.chance(0.85) ? active : approvals)[0];
}

const limitOf = (rng: Rng): bigint => BigInt(rng.pick([0, rng.int(1_000, 50_000), rng.int(50_000, 400_000)]));

type Params = { request: CardRequest; key: string };

/** Registers an op that sends one request alone, judged against what the model expects. */
function single(name: string, weight: number, generate: (rng: Rng, world: World) => CardRequest): void {
  registerOp<Params>({
    name,
    weight,
    generate: (rng, world) => keyed(rng, world, generate(rng, world)),
    async apply(world, { request, key }) {
      const expected = expectCard(world, request, key);
      const before = snapshotFree(world);
      const answer = await cardClient(world, 'c', request, key);
      observe(world, [{ request, key, answer, expected }]);
      checkCards(world, before);
    },
  });
}

/** What each account had free before the op: no approval of the op may take more. */
const snapshotFree = (world: World): Map<string, bigint> =>
  new Map(CARD_ACCOUNTS.map((accountId) => [accountId, cardsOf(world).free(accountId, world.nowMs)]));

/** Mostly an account that is open (else the first, which the op will find unopened). */
function anyAccount(rng: Rng, world: World): string {
  const open: string[] = CARD_ACCOUNTS.filter((accountId) => cardsOf(world).accounts.has(accountId));
  return open.length > 0 && rng.chance(0.95) ? rng.pick(open) : rng.pick(CARD_ACCOUNTS);
}

single('card-open', 0.8, (rng, world) => {
  // Mostly one not yet open (the other ops need an open account); else again, as it is or not.
  const unopened = CARD_ACCOUNTS.filter((accountId) => !cardsOf(world).accounts.has(accountId));
  const accountId = unopened.length > 0 && rng.chance(0.8) ? rng.pick(unopened) : rng.pick(CARD_ACCOUNTS);
  const known = cardsOf(world).accounts.get(accountId);
  const creditLimit = known !== undefined && rng.chance(0.5) ? known.creditLimit : limitOf(rng);
  return { op: 'open', accountId, creditLimit };
});

single('card-limit', 0.4, (rng, world) => ({
  op: 'limit',
  accountId: anyAccount(rng, world),
  creditLimit: limitOf(rng),
}));

single('card-authorize', 2.5, (rng, world) => {
  const accountId = anyAccount(rng, world);
  return {
    op: 'authorize',
    accountId,
    amount: authorizeAmount(rng, world, accountId),
    mcc: rng.chance(0.05) ? '7995' : '5942',
  };
});

single('card-capture', 1.3, (rng, world) => {
  const accountId = anyAccount(rng, world);
  const authorizationId = someAuthorization(rng, world, accountId);
  const approval = cardsOf(world).accounts.get(accountId)?.approvals.get(authorizationId);
  const part =
    approval !== undefined && rng.chance(0.4) ? BigInt(rng.int(1, Number(approval.amount) + 2)) : undefined;
  return { op: 'capture', accountId, authorizationId, ...(part === undefined ? {} : { amount: part }) };
});

single('card-void', 0.6, (rng, world) => {
  const accountId = anyAccount(rng, world);
  return { op: 'void', accountId, authorizationId: someAuthorization(rng, world, accountId) };
});

single('card-pay', 0.8, (rng, world) => {
  const accountId = anyAccount(rng, world);
  const payments = [...(cardsOf(world).accounts.get(accountId)?.payments.entries() ?? [])];
  // Mostly a new payment; sometimes one whose return came first, or one known (same or other amount).
  if (payments.length > 0 && rng.chance(0.2)) {
    const [paymentId, payment] = rng.pick(payments);
    const amount =
      payment.amount !== undefined && rng.chance(0.5) ? payment.amount : BigInt(rng.int(1, 50_000));
    return { op: 'pay', accountId, paymentId, amount };
  }
  return { op: 'pay', accountId, paymentId: `p${world.opIndex}`, amount: BigInt(rng.int(1, 50_000)) };
});

single('card-return', 0.4, (rng, world) => {
  const accountId = anyAccount(rng, world);
  const payments = [...(cardsOf(world).accounts.get(accountId)?.payments.keys() ?? [])];
  // Sometimes a return that arrives before its payment (a payment id the next card-pay may use).
  const paymentId = payments.length > 0 && rng.chance(0.8) ? rng.pick(payments) : `p${world.opIndex}`;
  return { op: 'return', accountId, paymentId };
});

/**
 * Authorizers racing on one account, through separate calls at once, sometimes with a twin (the
 * same key and request twice). Which win the model cannot say; that together they never approve
 * more than was free, it can (invariants-cards.ts).
 */
registerOp<{ calls: Params[] }>({
  name: 'card-authorize-race',
  weight: 1,
  generate(rng, world) {
    const accountId = anyAccount(rng, world);
    const free = cardsOf(world).free(accountId, world.nowMs);
    const calls: Params[] = Array.from({ length: rng.int(2, 5) }, (_, index) => ({
      request: {
        op: 'authorize',
        accountId,
        // Each about a third to two thirds of what is free: together they ask for more.
        amount: free > 3n ? free / 3n + BigInt(rng.int(0, Number(free / 3n))) : BigInt(rng.int(1, 5_000)),
        mcc: '5942',
      },
      key: `c-${world.opIndex}-${index}-${rng.int(0, 1e6)}`,
    }));
    if (rng.chance(0.3)) calls.push(calls[0] as Params);
    return { calls };
  },
  async apply(world, { calls }) {
    const before = snapshotFree(world);
    // Unopened, each is refused as an authorization alone would be; else any decision goes.
    const alone = calls.map(({ request, key }) => expectCard(world, request, key));
    const answers = await Promise.all(
      calls.map(({ request, key }, index) => cardClient(world, `r${index}`, request, key)),
    );
    observe(
      world,
      calls.map(({ request, key }, index): Call => {
        const expected = alone[index];
        return {
          request,
          key,
          answer: answers[index],
          ...(expected?.kind === 'rejected' ? { expected } : {}),
        };
      }),
    );
    checkCards(world, before);
  },
});
