import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_EVENT_LOGGED, type AccountLog } from '#app/account-log.ts';
import { type CardAction, cardAction } from '#app/cards.ts';
import type { CloudEvent } from '#app/cloud-event.ts';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { sweepExpiries } from '#app/expiry-sweep.ts';
import { ingestEvent } from '#app/ingest.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';
import { inMemoryIngestDeps } from '../../support/ingest-deps.ts';

const T0 = 1_700_000_000_000;
const TTL = 60_000;
const merchant = { id: 'm-42', name: 'Book Shop', mcc: '5942' };

type Line = { message: string; extra: Record<string, unknown> };

function world(accountLog: AccountLog | undefined) {
  const store = new InMemoryEventStore();
  const clock = { now: T0, nowMs: () => clock.now };
  let count = 0;
  const ids = { newId: () => `evt-${++count}` };
  const ingestDeps = {
    ...inMemoryIngestDeps(store, new InMemoryRuleSetStore(), clock),
    ids,
    ...(accountLog ? { accountLog } : {}),
  };
  const cardDeps = {
    store,
    clock,
    ids,
    decisionRules: builtInDecisionRules,
    authorizationTtlMs: TTL,
    ...(accountLog ? { accountLog } : {}),
  };
  const bus = async (id: string, type: string, data: unknown) => {
    const event: CloudEvent = { specversion: '1.0', id, source: 'bank', type, subject: 'a1', data };
    const outcome = await ingestEvent(ingestDeps, event);
    expect(outcome.kind).toBe('recorded');
  };
  const api = async (requestId: string, action: CardAction) => {
    const outcome = await cardAction(
      cardDeps,
      {
        accountId: 'a1',
        idempotency: { key: requestId, payloadHash: requestId },
        respond: (_events, { authorizationId }) => ({ statusCode: 201, body: authorizationId ?? '' }),
        correlation: { requestId },
      },
      action,
    );
    if (outcome.kind !== 'recorded') throw new Error(`not recorded: ${outcome.kind}`);
    return outcome.response.body;
  };
  const sweep = () =>
    sweepExpiries({ store, expiries: store.tradingIndex, clock, ids, ...(accountLog ? { accountLog } : {}) });
  return { store, clock, bus, api, sweep };
}

/** Every kind of account event, from the bus, the API and the sweep. */
async function story(w: ReturnType<typeof world>) {
  await w.bus('open-1', 'account.opened', { creditLimit: 1000, currency: 'EUR' });
  await w.bus('limit-1', 'account.credit_limit_changed', { creditLimit: 1500 });
  const captured = await w.api('req-auth-1', { kind: 'authorize', amount: 12_050n, merchant });
  await w.api('req-cap-1', { kind: 'capture', authorizationId: captured, amount: 10_000n });
  const voided = await w.api('req-auth-2', { kind: 'authorize', amount: 500n, merchant });
  await w.api('req-void-1', { kind: 'void', authorizationId: voided });
  await w.api('req-auth-3', { kind: 'authorize', amount: 1_000n, merchant: { id: 'c', mcc: '7995' } });
  await w.bus('ret-1', 'payment.returned', { paymentId: 'p1', reason: 'nsf' });
  await w.bus('pay-1', 'payment.submitted', { paymentId: 'p1', amount: 30 });
  const expiring = await w.api('req-auth-4', { kind: 'authorize', amount: 700n, merchant });
  w.clock.now = T0 + TTL;
  expect((await w.sweep()).expired).toBe(1);
  return { captured, voided, expiring };
}

describe('a debug line per applied account event', () => {
  it('carries the account, the event, its CloudEvent or request id and the position right after it', async () => {
    const lines: Line[] = [];
    const w = world({ debug: (message, extra) => lines.push({ message, extra }) });
    const { captured, voided, expiring } = await story(w);
    expect(lines.every((line) => line.message === ACCOUNT_EVENT_LOGGED)).toBe(true);
    const stored = w.store.storedEvents('a1');
    // One line per stored event, in order, each naming that event (its id is the published CloudEvent's).
    expect(lines.map((line) => line.extra.eventId)).toEqual(stored.map((event) => event.eventId));
    expect(
      lines.map((line) => [line.extra.eventType, line.extra.cloudEventId ?? line.extra.requestId]),
    ).toEqual([
      ['AccountOpened', 'open-1'],
      ['CreditLimitChanged', 'limit-1'],
      ['AuthorizationDecided', 'req-auth-1'],
      ['HoldCaptured', 'req-cap-1'],
      ['AuthorizationDecided', 'req-auth-2'],
      ['HoldReleased', 'req-void-1'],
      ['AuthorizationDecided', 'req-auth-3'],
      ['PaymentReturnParked', 'ret-1'],
      ['PaymentSubmitted', 'pay-1'],
      ['PaymentReturned', 'pay-1'],
      ['AuthorizationDecided', 'req-auth-4'],
      ['HoldReleased', undefined],
    ]);
    const at = (index: number) => lines[index]?.extra;
    expect(at(0)).toMatchObject({
      accountId: 'a1',
      lane: 0,
      version: 1,
      creditLimit: '1000',
      after: {
        creditLimit: '1000',
        balance: '0',
        pending: '0',
        available: '1000',
        currency: 'EUR',
        version: 1,
      },
    });
    expect(at(2)).toMatchObject({
      authorizationId: captured,
      amount: '120.5',
      decision: 'approved',
      reasons: [],
      after: { balance: '0', pending: '120.5', available: '1379.5' },
    });
    // Captured 100 of 120.50: owed 100, the rest released.
    expect(at(3)).toMatchObject({ authorizationId: captured, amount: '100', released: '20.5' });
    expect(at(3)?.after).toMatchObject({ balance: '100', pending: '0', available: '1400' });
    expect(at(5)).toMatchObject({ authorizationId: voided, reason: 'released', after: { pending: '0' } });
    expect(at(6)).toMatchObject({ decision: 'declined', reasons: ['blocked-mcc'], mcc: '7995' });
    expect(at(8)?.after).toMatchObject({ balance: '70', available: '1430' });
    expect(at(9)).toMatchObject({ paymentId: 'p1', amount: '30', reason: 'nsf' });
    expect(at(9)?.after).toMatchObject({ balance: '100', available: '1400' });
    expect(at(11)).toMatchObject({ authorizationId: expiring, reason: 'expired' });
    expect(at(11)?.after).toMatchObject({ pending: '0', available: '1400', version: stored.length });
    // No personal data: the merchant's name is not logged.
    expect(JSON.stringify(lines)).not.toContain('Book Shop');
  });

  it('folds nothing and logs nothing when the level hides debug lines', async () => {
    const debug = vi.fn();
    await story(world({ debug, getLevelName: () => 'INFO' }));
    expect(debug).not.toHaveBeenCalled();
  });
});

describe('through Powertools', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const printed = async (logger: Logger) => {
    const out: string[] = [];
    // Powertools writes each line with console's stdout outside Lambda.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    await story(world(logger));
    vi.restoreAllMocks();
    return out
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes(ACCOUNT_EVENT_LOGGED))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  };

  it('prints one JSON line per event at DEBUG, and none at the default level', async () => {
    const debugLines = await printed(new Logger({ serviceName: 'test', logLevel: 'DEBUG' }));
    expect(debugLines).toHaveLength(12);
    expect(debugLines[2]).toMatchObject({
      level: 'DEBUG',
      message: ACCOUNT_EVENT_LOGGED,
      accountId: 'a1',
      eventType: 'AuthorizationDecided',
      requestId: 'req-auth-1',
      after: { pending: '120.5', available: '1379.5' },
    });
    expect(await printed(new Logger({ serviceName: 'test', logLevel: 'INFO' }))).toEqual([]);
  });
});
