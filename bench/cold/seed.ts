/**
 * What the first calls of `npm run bench:cold` read or act on, made as a client makes it: through
 * the app's own routes (each handler's `make…Handler` with the composition's dependencies), called
 * in this process before any cold start, never during one. Without it those first calls measured a
 * refusal (a 404 for a payment, order, account or job nobody made; a 401 for an unsigned webhook;
 * a 400 for a correction the API does not take), which costs less than the work they stand for.
 *
 * Made once (the world's set-up): a buyer's points bought and paid (a payment, its signed webhook),
 * an order paid partly with those points, a card account opened with a credit limit, a replay job
 * and a backtest job started, one expiry sweep run (its mark made, as a deployment's sweep every
 * minute has). Made per cold start, where the call consumes what it is handed: the
 * webhook of a payment made just now (the app applies each provider event once: the same one again
 * would be a redelivery); the deposit a correction voids (a deposit is voided once: the same
 * correction again answers 200 and writes nothing); the replay job whose first page run-jobs
 * runs (a page is run once: the same page again is a duplicate, answered without its work), the
 * page's message taken as the route queued it.
 */
import type { APIGatewayProxyEventV2, ScheduledEvent } from 'aws-lambda';
import { PAYMENT_ENV } from '#adapters/payments/config.ts';
import { SandboxPaymentProvider, type SignedWebhook } from '#adapters/payments/sandbox.ts';
import { toJobBody } from '#adapters/sqs/job-message.ts';
import type { HttpCore } from '#http/handler.ts';
import type { JobMessage, JobQueue } from '#ports/jobs.ts';
import { http, keyedHeaders, type Seeded } from './events.ts';

/** The buyer of points, whose order holds some; the merchant it pays; the card account; corrections' wallet. */
export const SEED_WALLETS = {
  buyer: 'coldbuyer001',
  merchant: 'coldmerchant1',
  account: 'coldcard001',
  corrected: 'coldcorrect1',
} as const;

export interface WorldSeeds {
  /** The ids the world made once. */
  seeded: Omit<Seeded, 'webhook' | 'correctionTarget' | 'runJobPage'>;
  /** The signed webhook (provider's headers, raw body) of a payment requested just now. */
  freshWebhook(): Promise<Pick<SignedWebhook, 'body' | 'headers'>>;
  /** A deposit to the corrected wallet made just now (POST /deposit): its event id. */
  freshDeposit(): Promise<string>;
  /**
   * A replay job over every wallet started just now (POST /replay): the message body the route
   * queued for its first page of segment 0.
   */
  freshJobPage(): Promise<string>;
}

/** The composition reads its table (and the rest) from the environment, as in a function's process. */
export function adoptEnv(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
}

/** Seeds the world through the app's routes; `env` is the functions' (its sandbox secret included). */
export async function seedWorld(env: NodeJS.ProcessEnv): Promise<WorldSeeds> {
  const secret = env[PAYMENT_ENV.sandboxWebhookSecret];
  if (secret === undefined)
    throw new Error(`bench: the cold world sets no ${PAYMENT_ENV.sandboxWebhookSecret}`);
  adoptEnv(env);
  // The routes' info lines (the provider chosen, …) are the functions'; here they would only
  // interleave with the bench's output. Warnings still show.
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  const [deposit, payments, orders, webhook, accounts, replay, backtest, sweep, composition] =
    await Promise.all([
      import('#handlers/deposit.ts'),
      import('#handlers/payments.ts'),
      import('#handlers/orders.ts'),
      import('#handlers/payment-webhook.ts'),
      import('#handlers/accounts.ts'),
      import('#handlers/replay.ts'),
      import('#handlers/backtest.ts'),
      import('#handlers/sweep-expiries.ts'),
      loadCompositions(),
    ]);
  // The provider a client's payment goes through: the sandbox, with this world's secret and the
  // intents in this process (a buyer's `settle` is the provider's; the functions only verify).
  const provider = new SandboxPaymentProvider({ secrets: [secret], ...composition.clockAndIds() });
  const withProvider =
    <D>(deps: () => Promise<D>) =>
    async () => ({ ...(await deps()), provider });
  const queuedPages: JobMessage[] = [];
  const routes = {
    deposit: deposit.makeDepositHandler(composition.depositDeps),
    payments: payments.makePaymentsHandler(withProvider(composition.paymentDeps)),
    orders: orders.makeOrdersHandler(withProvider(composition.orderDeps)),
    webhook: webhook.makePaymentWebhookHandler(withProvider(composition.paymentWebhookDeps)),
    accounts: accounts.makeAccountsHandler(composition.cardDeps),
    replay: replay.makeReplayHandler(async () => {
      const deps = await composition.replayDeps();
      return { ...deps, queue: () => recordingQueue(deps.queue(), queuedPages) };
    }),
    backtest: backtest.makeBacktestHandler(composition.backtestDeps),
  };
  let keys = 0;
  const post = async (route: HttpCore, path: string, routeKey: string, body: unknown, expected: number) => {
    const event = http('POST', path, routeKey, {
      ...keyedHeaders(`seed-${++keys}-${Date.now()}`),
      body: JSON.stringify(body),
    });
    const result = await route(event as unknown as APIGatewayProxyEventV2);
    if (result.statusCode !== expected)
      throw new Error(
        `bench seed: ${routeKey} answered ${result.statusCode}, not ${expected}: ${result.body}`,
      );
    return JSON.parse(result.body) as Record<string, unknown>;
  };
  const text = (value: unknown, what: string): string => {
    if (typeof value !== 'string') throw new Error(`bench seed: no ${what} in the answer`);
    return value;
  };

  /** POST /payments for `points`, and the provider's signed webhook of its success. */
  const paidWebhook = async (points: number) => {
    const paid = await post(
      routes.payments,
      '/payments',
      'POST /payments',
      { wallet: SEED_WALLETS.buyer, points },
      201,
    );
    const paymentId = text(paid.paymentId, 'paymentId');
    const intent = provider.intentOfPayment(paymentId);
    if (intent === undefined) throw new Error(`bench seed: the sandbox has no intent for ${paymentId}`);
    return { paymentId, signed: provider.settle(intent.paymentIntentId, 'succeed') };
  };

  // The buyer's points: bought, and credited by the webhook (through the webhook route).
  const bought = await paidWebhook(10_000);
  const delivered = await routes.webhook(
    http('POST', '/payments/webhook', 'POST /payments/webhook', {
      headers: bought.signed.headers,
      body: bought.signed.body,
    }) as unknown as APIGatewayProxyEventV2,
  );
  if (delivered.statusCode !== 200)
    throw new Error(`bench seed: the webhook answered ${delivered.statusCode}: ${delivered.body}`);
  const order = await post(
    routes.orders,
    '/orders',
    'POST /orders',
    { wallet: SEED_WALLETS.buyer, merchant: SEED_WALLETS.merchant, amount: '10.00', points: 200 },
    201,
  );
  await post(
    routes.accounts,
    '/accounts',
    'POST /accounts',
    { accountId: SEED_WALLETS.account, creditLimit: '1000.00', currency: 'EUR' },
    201,
  );
  const replayJob = await post(routes.replay, '/replay', 'POST /replay', {}, 202);
  const backtestJob = await post(
    routes.backtest,
    '/rules/backtest',
    'POST /rules/backtest',
    { rules: 'event_type=="answer_is_liked", 250' },
    202,
  );
  // A deployment's expiry sweep runs every minute, so a cold start of it finds the sweep's mark: a
  // sweep without one (the first ever) walks back an hour of minute buckets, 8 at a time (eight
  // waits, ~60 Queries), which only the bench's first cold start of it would otherwise measure.
  await sweep.makeSweepExpiriesHandler(composition.sweepDeps)({} as ScheduledEvent);
  return {
    seeded: {
      paymentId: bought.paymentId,
      orderId: text(order.orderId, 'orderId'),
      accountId: SEED_WALLETS.account,
      correctedWallet: SEED_WALLETS.corrected,
      replayJobId: text(replayJob.jobId, 'replay jobId'),
      backtestJobId: text(backtestJob.jobId, 'backtest jobId'),
    },
    freshWebhook: async () => {
      const { signed } = await paidWebhook(100);
      return { body: signed.body, headers: signed.headers };
    },
    freshJobPage: async () => {
      const jobId = text((await post(routes.replay, '/replay', 'POST /replay', {}, 202)).jobId, 'jobId');
      const first = queuedPages.find((message) => message.jobId === jobId && message.segment === 0);
      if (first === undefined) throw new Error(`bench seed: POST /replay queued no first page for ${jobId}`);
      return toJobBody(first);
    },
    freshDeposit: async () => {
      const body = { WalletID: SEED_WALLETS.corrected, Amount: '1.00' };
      return text((await post(routes.deposit, '/deposit', 'POST /deposit', body, 201)).EventID, 'EventID');
    },
  };
}

/** `queue`, keeping in `sent` every message it accepted. */
const recordingQueue = (queue: JobQueue, sent: JobMessage[]): JobQueue => ({
  send: async (messages) => {
    await queue.send(messages);
    sent.push(...messages);
  },
});

/** The compositions the seeding routes take their dependencies from (the functions' own). */
async function loadCompositions() {
  const [deposits, payments, webhook, cards, jobs, backtests, lambda, laneZero] = await Promise.all([
    import('#composition/lazy-group.ts'),
    import('#composition/payments.ts'),
    import('#composition/payment-webhook.ts'),
    import('#composition/cards.ts'),
    import('#composition/job-queue.ts'),
    import('#composition/backtests.ts'),
    import('#composition/lambda.ts'),
    import('#composition/lane-zero.ts'),
  ]);
  return {
    depositDeps: deposits.depositDeps,
    paymentDeps: payments.paymentDeps,
    orderDeps: payments.orderDeps,
    paymentWebhookDeps: webhook.paymentWebhookDeps,
    cardDeps: cards.cardDeps,
    replayDeps: jobs.replayDeps,
    backtestDeps: backtests.backtestDeps,
    clockAndIds: lambda.clockAndIds,
    sweepDeps: laneZero.sweepDeps,
  };
}
