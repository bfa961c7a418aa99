import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { ActiveRuleSets } from '#app/active-rules.ts';
import type { DepositDeps } from '#app/deposit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { scopedKey } from '#app/idempotency.ts';
import { ingestEvent } from '#app/ingest.ts';
import { makeDepositHandler } from '#handlers/deposit.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { httpEvent, lambdaContext } from '../../support/http.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { InMemoryRuleSetStore } from '../../support/in-memory-rule-set-store.ts';

const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });
const NOW_MS = 1_700_000_000_000;

function depsOver(store: InMemoryEventStore): DepositDeps {
  let ids = 0;
  return {
    store,
    clock: { nowMs: () => NOW_MS },
    ids: { newId: () => `evt-${++ids}` },
    heads: new HeadCache(),
    retry: { attemptsMax: 5, backoffBaseMs: 1, backoffCapMs: 1, sleep: async () => {}, random: () => 0 },
  };
}

/** A request as API Gateway's JWT authorizer hands it over, from the token of `clientId`. */
function post(
  deps: DepositDeps,
  clientId: string | undefined,
  body: { WalletID: string; Amount: number },
  key: string,
): Promise<HttpResult> {
  const event = httpEvent({
    method: 'POST',
    path: '/deposit',
    body: JSON.stringify(body),
    headers: { 'idempotency-key': key },
  });
  if (clientId !== undefined) {
    Object.assign(event.requestContext, {
      authorizer: {
        jwt: { claims: { client_id: clientId, scope: 'wallets:write' }, scopes: ['wallets:write'] },
      },
    });
  }
  return middy(makeDepositHandler(() => deps)).use(problemErrors(logger))(event, lambdaContext);
}

const balanceOf = (store: InMemoryEventStore, walletId: string): bigint =>
  store
    .storedEvents(walletId)
    .reduce((sum, event) => sum + (event.type === 'Deposited' ? event.data.amountMinor : 0n), 0n);

const keyChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:~@+=/-'.split('');
const idempotencyKeys = fc.string({ unit: fc.constantFrom(...keyChars), minLength: 1, maxLength: 40 });
const clientIds = fc.string({ minLength: 1, maxLength: 12 });

describe('Idempotency-Key is scoped per client (issue 15 §2, issue 10 §4.6)', () => {
  it('two clients using the same key never collide; each one replaying gets its own first answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        idempotencyKeys,
        fc.tuple(clientIds, clientIds).filter(([a, b]) => a !== b),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 3 }),
        async (key, [clientA, clientB], amountA, amountB, replays) => {
          const store = new InMemoryEventStore();
          const deps = depsOver(store);
          const firstA = await post(deps, clientA, { WalletID: 'w1', Amount: amountA }, key);
          const firstB = await post(deps, clientB, { WalletID: 'w1', Amount: amountB }, key);
          expect(firstA.statusCode).toBe(201);
          expect(firstB.statusCode).toBe(201);
          for (let index = 0; index < replays; index++) {
            const againA = await post(deps, clientA, { WalletID: 'w1', Amount: amountA }, key);
            const againB = await post(deps, clientB, { WalletID: 'w1', Amount: amountB }, key);
            expect([againA.statusCode, againA.body]).toEqual([201, firstA.body]);
            expect([againB.statusCode, againB.body]).toEqual([201, firstB.body]);
            expect(againA.headers?.['idempotent-replayed']).toBe('true');
          }
          // Each deposit counted once, whatever the replays.
          expect(balanceOf(store, 'w1')).toBe(BigInt(amountA + amountB) * 100n);
          expect(store.storedEvents('w1')).toHaveLength(2);
          // Within one client's namespace a key still means one payload.
          const reused = await post(deps, clientA, { WalletID: 'w1', Amount: amountA + 1 }, key);
          expect(reused.statusCode).toBe(422);
          expect(store.storedEvents('w1')).toHaveLength(2);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a deposit key is not a CloudEvent id: POST /deposit with a key only a CloudEvent used is a new deposit', async () => {
    const store = new InMemoryEventStore();
    const deps = depsOver(store);
    const clock = { nowMs: () => NOW_MS };
    const ingested = await ingestEvent(
      {
        ...deps,
        rules: new ActiveRuleSets(new InMemoryRuleSetStore(), clock, sha256Hex),
        hash: sha256Hex,
        canonicalJson,
      },
      { specversion: '1.0', id: 'like-002', source: 'qa-app', type: 'answer_is_liked', subject: 'w1' },
    );
    expect(ingested.kind).toBe('recorded');
    const deposit = await post(deps, undefined, { WalletID: 'w1', Amount: 5 }, 'like-002');
    expect(deposit.statusCode).toBe(201);
    expect(balanceOf(store, 'w1')).toBe(500n);
  });

  it('honours a key item written before keys were scoped: the same request replays, nothing is counted twice', async () => {
    const store = new InMemoryEventStore();
    const deps = depsOver(store);
    const first = await post(deps, 'client-a', { WalletID: 'w1', Amount: 7 }, 'k-1');
    // Rewrite the table as an older release left it: the key item under the bare key.
    const legacy = new InMemoryEventStore();
    const [stored] = store.storedEvents('w1');
    if (stored === undefined) throw new Error('setup: nothing stored');
    const { lane: _lane, version: _version, walletId: _walletId, ...event } = stored;
    const scoped = await store.findIdempotency(scopedKey('deposit', 'client:client-a', 'k-1'));
    if (scoped === undefined) throw new Error('setup: the scoped key item is not where expected');
    await legacy.append({
      walletId: 'w1',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [event],
      idempotency: { key: 'k-1', payloadHash: scoped.payloadHash, response: scoped.response },
    });
    const legacyDeps = depsOver(legacy);
    const again = await post(legacyDeps, 'client-a', { WalletID: 'w1', Amount: 7 }, 'k-1');
    expect([again.statusCode, again.body]).toEqual([201, first.body]);
    expect(legacy.storedEvents('w1')).toHaveLength(1);
    // Another payload under that bare key cannot be told from another client's: it is a new deposit.
    const other = await post(legacyDeps, 'client-b', { WalletID: 'w1', Amount: 9 }, 'k-1');
    expect(other.statusCode).toBe(201);
    expect(balanceOf(legacy, 'w1')).toBe(1_600n);
  });
});
