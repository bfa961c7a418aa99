import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DepositDeps } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { makeCorrectionsHandler } from '#handlers/corrections.ts';
import { makeDepositHandler } from '#handlers/deposit.ts';
import { makeDetailsHandler } from '#handlers/details.ts';
import { type EventsDeps, makeEventsHandler } from '#handlers/events.ts';
import { makeReplayHandler } from '#handlers/replay.ts';
import { makeTransactionsHandler } from '#handlers/transactions.ts';
import { makeTransfersHandler } from '#handlers/transfers.ts';
import { makeWalletsHandler } from '#handlers/wallets.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { logger } from '#observability/powertools.ts';
import { apiRequest, expectProblem } from '../../support/api-request.ts';
import { httpEvent, lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { withJwt } from '../../support/jwt-context.ts';

/**
 * The per-wallet rule through the real handlers: a token whose `wallet_ids` claim names w1 may
 * read and write w1 only; any route of another wallet answers 403 and changes nothing.
 */
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const NOW_MS = Date.parse('2026-11-22T10:00:00.000Z');
const W1_ONLY = { sub: 'alice', wallet_ids: 'w1' };

let store: InMemoryEventStore;
let sent: unknown[][];
let depsLoaded: number;

beforeEach(() => {
  store = new InMemoryEventStore();
  sent = [];
  depsLoaded = 0;
});

const run =
  (core: (event: APIGatewayProxyEventV2) => Promise<HttpResult>) => (event: APIGatewayProxyEventV2) =>
    middy(core).use(problemErrors(logger))(event, lambdaContext);

let ids = 0;
const depositDeps = (): DepositDeps => {
  depsLoaded++;
  return {
    store,
    clock: { nowMs: () => NOW_MS },
    ids: { newId: () => `evt-${++ids}` },
    heads: new HeadCache(),
  };
};
const deposit = run(makeDepositHandler(depositDeps));
const postDeposit = (walletId: string, headers: Record<string, string> = {}) =>
  httpEvent({
    method: 'POST',
    path: '/deposit',
    body: JSON.stringify({ WalletID: walletId, Amount: 10 }),
    headers,
  });

const eventsDeps = (): EventsDeps => {
  depsLoaded++;
  return {
    queue: {
      send: async (events) => {
        sent.push([...events]);
        return { sent: events.map((event) => event.id), failed: [] };
      },
    },
    log: { warn: () => undefined },
    clock: { nowMs: () => Date.now() },
  };
};
const events = run(makeEventsHandler(eventsDeps));
const cloudEvent = (id: string, subject: string, data: unknown = { answerId: 'a1' }) => ({
  specversion: '1.0',
  id,
  source: 'qa-app',
  type: 'answer_is_liked',
  subject,
  data,
});
const postEvents = (body: unknown) =>
  httpEvent({ method: 'POST', path: '/events', body: JSON.stringify(body) });

const readDeps = async () => {
  depsLoaded++;
  return { stores: { events: store, readModels: store }, config: CONFIG };
};
const wallets = run(makeWalletsHandler(readDeps));
const details = run(makeDetailsHandler(readDeps));
const walletGet = (walletId: string, suffix = '') =>
  apiRequest({
    method: 'GET',
    route: `/wallets/{wallet_id}${suffix}`,
    path: `/wallets/${walletId}${suffix}`,
    pathParameters: { wallet_id: walletId },
  });

describe('a wallet-bound token', () => {
  it('deposits to its own wallet (the body names it)', async () => {
    const response = await deposit(withJwt(postDeposit('w1'), W1_ONLY, ['wallets:write']));
    expect(response.statusCode).toBe(201);
    expect(store.storedEvents('w1')).toHaveLength(1);
  });

  it('cannot deposit to another wallet: 403, nothing stored, dependencies never loaded', async () => {
    const response = await deposit(withJwt(postDeposit('w2'), W1_ONLY, ['wallets:write']));
    expectProblem(response, 403, '/problems/forbidden-wallet');
    expect(store.storedEvents('w2')).toEqual([]);
    expect(depsLoaded).toBe(0);
  });

  it('cannot send a batch of events with one foreign subject: 403, nothing queued', async () => {
    const batch = [cloudEvent('e1', 'w1'), cloudEvent('e2', 'w2'), cloudEvent('e3', 'w1')];
    expectProblem(
      await events(withJwt(postEvents(batch), W1_ONLY, ['events:write'])),
      403,
      '/problems/forbidden-wallet',
    );
    expect(sent).toEqual([]);
    expect(depsLoaded).toBe(0);
  });

  it('sends events for its own wallet', async () => {
    const batch = [cloudEvent('e1', 'w1'), cloudEvent('e2', 'w1')];
    const response = await events(withJwt(postEvents(batch), { wallet_ids: ['w1', 'w3'] }, ['events:write']));
    expect(response.statusCode).toBe(202);
    expect(sent).toHaveLength(1);
  });

  it.each(['', '/points', '/events', '/verify'])(
    'cannot read another wallet at /wallets/{id}%s',
    async (suffix) => {
      await deposit(postDeposit('w2'));
      depsLoaded = 0;
      expectProblem(
        await wallets(withJwt(walletGet('w2', suffix), W1_ONLY)),
        403,
        '/problems/forbidden-wallet',
      );
      expect(depsLoaded).toBe(0);
      expect((await wallets(walletGet('w2', suffix))).statusCode).toBe(200);
    },
  );

  it('cannot read another wallet at /details/{id}, and reads its own', async () => {
    await deposit(postDeposit('w1'));
    await deposit(postDeposit('w2'));
    const get = (walletId: string) =>
      withJwt(
        httpEvent({ method: 'GET', path: `/details/${walletId}`, pathParameters: { wallet_id: walletId } }),
        W1_ONLY,
      );
    expectProblem(await details(get('w2')), 403, '/problems/forbidden-wallet');
    expect(await details(get('w1'))).toMatchObject({
      statusCode: 200,
      body: '{"WalletID":"w1","Balance":10,"AboveThreshold":false}',
    });
  });

  it('cannot correct another wallet, even with the admin scope', async () => {
    const corrections = run(
      makeCorrectionsHandler(
        async () => {
          depsLoaded++;
          throw new Error('dependencies must not be loaded');
        },
        () => undefined,
      ),
    );
    const event = apiRequest({
      method: 'POST',
      route: '/wallets/{wallet_id}/corrections',
      path: '/wallets/w2/corrections',
      pathParameters: { wallet_id: 'w2' },
      body: JSON.stringify({ eventId: 'x', action: 'void', reason: 'r' }),
    });
    expectProblem(await corrections(withJwt(event, W1_ONLY, ['admin'])), 403, '/problems/forbidden-wallet');
    expect(depsLoaded).toBe(0);
  });

  it('cannot start a replay of every wallet', async () => {
    const replay = run(
      makeReplayHandler(
        async () => {
          depsLoaded++;
          throw new Error('dependencies must not be loaded');
        },
        () => undefined,
      ),
    );
    const post = (body: unknown) =>
      withJwt(
        apiRequest({ method: 'POST', route: '/replay', path: '/replay', body: JSON.stringify(body) }),
        W1_ONLY,
        ['admin'],
      );
    expectProblem(await replay(post({ dryRun: true })), 403, '/problems/forbidden-wallet');
    expectProblem(await replay(post({ walletId: 'w2' })), 403, '/problems/forbidden-wallet');
    expect(depsLoaded).toBe(0);
  });
});

describe('idempotency keys in the audit trail', () => {
  beforeEach(async () => {
    await deposit(postDeposit('w1', { 'Idempotency-Key': 'order-1' }));
  });
  const keysIn = (response: HttpResult) =>
    (JSON.parse(response.body) as { events: { idempotencyKey?: string }[] }).events.map(
      (event) => event.idempotencyKey,
    );

  it('are hidden from the wallet owner token', async () => {
    const response = await wallets(withJwt(walletGet('w1', '/events'), W1_ONLY));
    expect(response.statusCode).toBe(200);
    expect(keysIn(response)).toEqual([undefined]);
  });

  it('are shown to a service caller and to an admin token', async () => {
    expect(keysIn(await wallets(walletGet('w1', '/events')))).toEqual(['order-1']);
    expect(keysIn(await wallets(withJwt(walletGet('w1', '/events'), {}, ['admin'])))).toEqual(['order-1']);
  });
});

describe('POST /events limits at the door', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 1;
    for (let level = 0; level < depth; level++) value = { a: value };
    return value;
  };

  it('takes data nested 32 levels deep', async () => {
    expect((await events(postEvents(cloudEvent('d32', 'w1', nested(32))))).statusCode).toBe(202);
  });

  it('answers data nested 33 levels deep 400 with a pointer to data, queueing nothing', async () => {
    const problem = expectProblem(
      await events(postEvents(cloudEvent('d33', 'w1', nested(33)))),
      400,
      '/problems/invalid-events',
    );
    expect(problem.errors).toEqual([
      { index: 0, pointer: '#/data', detail: expect.stringContaining('32 levels') },
    ]);
    expect(sent).toEqual([]);
  });

  it('answers a body nested 20,000 levels deep 400, not 500', async () => {
    const body = `{"specversion":"1.0","id":"deep","source":"s","type":"t","subject":"w1","data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const response = await events(httpEvent({ method: 'POST', path: '/events', body }));
    expectProblem(response, 400, '/problems/too-deep');
  });

  it('answers data over 32 KiB 400', async () => {
    const response = await events(postEvents(cloudEvent('big', 'w1', { text: 'x'.repeat(33 * 1024) })));
    expectProblem(response, 400, '/problems/invalid-events');
    expect(sent).toEqual([]);
  });

  it('answers a body over 64 KiB 413', async () => {
    const batch = Array.from({ length: 3 }, (_, index) =>
      cloudEvent(`e${index}`, 'w1', { text: 'x'.repeat(30 * 1024) }),
    );
    expectProblem(await events(postEvents(batch)), 413, '/problems/body-too-large');
  });
});

describe('Idempotency-Key', () => {
  it('answers a lone " 400 and records nothing', async () => {
    expectProblem(
      await deposit(postDeposit('w1', { 'Idempotency-Key': '"' })),
      400,
      '/problems/invalid-idempotency-key',
    );
    expect(store.storedEvents('w1')).toEqual([]);
  });
});

describe('a wallet-bound token and trading', () => {
  const tradeDeps = () => {
    depsLoaded++;
    return { store, clock: { nowMs: () => NOW_MS }, ids: { newId: () => `evt-${++ids}` } };
  };
  const transfers = run(makeTransfersHandler(tradeDeps));
  const transactions = run(
    makeTransactionsHandler(() => {
      depsLoaded++;
      return { stores: { events: store } };
    }),
  );
  const postTransfer = (from: string, to: string) =>
    httpEvent({
      method: 'POST',
      path: '/transfers',
      body: JSON.stringify({ from, to, asset: 'money', amount: '4' }),
      headers: { 'Idempotency-Key': `t-${from}-${to}` },
    });
  const fund = async (walletId: string) => {
    const response = await deposit(postDeposit(walletId));
    expect(response.statusCode).toBe(201);
    depsLoaded = 0;
  };

  it('transfers from its own wallet to another (the payer is what counts)', async () => {
    await fund('w1');
    const response = await transfers(withJwt(postTransfer('w1', 'w2'), W1_ONLY, ['transfers:write']));
    expect(response.statusCode, response.body).toBe(201);
    expect(store.storedEvents('w2')).toHaveLength(1);
  });

  it('cannot transfer from another wallet: 403, nothing moved, dependencies never loaded', async () => {
    await fund('w2');
    const before = store.storedEvents('w2').length;
    const response = await transfers(withJwt(postTransfer('w2', 'w1'), W1_ONLY, ['transfers:write']));
    expectProblem(response, 403, '/problems/forbidden-wallet');
    expect(store.storedEvents('w2')).toHaveLength(before);
    expect(store.storedEvents('w1')).toEqual([]);
    expect(depsLoaded).toBe(0);
  });

  it("reads its own wallet's transactions, not another's (403, nothing read)", async () => {
    await fund('w1');
    await fund('w2');
    const bound = (walletId: string) =>
      withJwt(walletGet(walletId, '/transactions'), W1_ONLY, ['wallets:read']);
    const own = await transactions(bound('w1'));
    expect(own.statusCode, own.body).toBe(200);
    expect(JSON.parse(own.body).transactions).toHaveLength(1);
    depsLoaded = 0;
    expectProblem(await transactions(bound('w2')), 403, '/problems/forbidden-wallet');
    expect(depsLoaded).toBe(0);
  });
});
