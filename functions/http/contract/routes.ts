import * as z from 'zod';
import { cloudEventSchema } from '#app/cloud-event.ts';
import { backtestBody } from '../backtest-body.ts';
import { correctionBody } from '../corrections-json.ts';
import { depositBody } from '../deposit-json.ts';
import { captureBody, placeBody } from '../holds-json.ts';
import { acceptBody, openBody } from '../offers-json.ts';
import { replayBody } from '../replay-body.ts';
import { republishBody } from '../republish-body.ts';
import { transferBody } from '../transfers-json.ts';
import { ADMIN_ROUTE_CONTRACTS } from './admin-routes.ts';
import { MONEY_ROUTE_CONTRACTS } from './money-routes.ts';
import { asOfParam, booleanParam, cutDescription, cutParams, knownAtParam, page } from './params.ts';
import { PAYMENT_LIST_ROUTE_CONTRACTS } from './payment-list-routes.ts';
import * as body from './responses.ts';
import type { RouteContract, RouteKey } from './types.ts';

/** A single CloudEvent, or an array of 1–100 (also `application/cloudevents-batch+json`). */
const cloudEvents = z.union([cloudEventSchema, z.array(cloudEventSchema).min(1).max(100)]);

/**
 * Every HTTP route's contract, keyed as the wiring table names the route. A route added to the
 * wiring table without an entry here still appears in the document (method, path, scopes), but
 * test/unit/http/contract/coverage.test.ts fails until it has one.
 */
export const ROUTE_CONTRACTS: Readonly<Partial<Record<RouteKey, RouteContract>>> = {
  'POST /deposit': {
    tag: 'wallets',
    summary: 'Record a deposit',
    description:
      "The original wallet service's route: any content type, the body as JSON. Exactly once per `Idempotency-Key`; a replay answers the stored response with `Idempotent-Replayed: true`.",
    body: {
      schema: depositBody,
      contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
      example: { WalletID: 'walletID001', Amount: 8000 },
    },
    idempotencyKey: 'optional',
    responses: {
      201: {
        description: 'Recorded (or replayed)',
        schema: body.depositCreated,
        headers: { Location: 'GET /details/{wallet_id}', 'Idempotent-Replayed': '`true` on a replay' },
      },
    },
    problems: [
      'invalid-request',
      'invalid-amount',
      'invalid-wallet-id',
      'idempotency-key-reused',
      'idempotency-key-in-flight',
      'wallet-busy',
    ],
  },
  'GET /details/{wallet_id}': {
    tag: 'wallets',
    summary: "A wallet's balance (the original service's JSON)",
    responses: {
      200: { description: 'The balance, byte for byte as the original service', schema: body.details },
    },
    problems: ['wallet-not-found', 'invalid-wallet-id'],
  },
  'GET /wallets/{wallet_id}': {
    tag: 'wallets',
    summary: 'A wallet: money, points, held and available',
    description:
      'Bitemporal: `asOf` is effective time (when a deposit or fact says it happened), `knownAt` is record time (when Tally recorded it). Both: the wallet at `asOf` as it was known at `knownAt`: a late deposit or a correction recorded after `knownAt` is not yet in effect.',
    query: { asOf: asOfParam, knownAt: knownAtParam },
    responses: { 200: { description: 'The wallet', schema: body.wallet } },
    problems: ['wallet-not-found', 'invalid-wallet-id', 'invalid-as-of', 'invalid-known-at'],
  },
  'GET /wallets/{wallet_id}/points': {
    tag: 'wallets',
    summary: 'Points awards, each explained by its rule and fact',
    description: cutDescription,
    query: { ...page, ...cutParams },
    responses: { 200: { description: 'A page of awards', schema: body.awards } },
    problems: ['wallet-not-found', 'invalid-limit', 'invalid-cursor', 'invalid-as-of', 'invalid-known-at'],
  },
  'GET /wallets/{wallet_id}/events': {
    tag: 'wallets',
    summary: 'The audit trail: every event, oldest first',
    description: cutDescription,
    query: { ...page, ...cutParams },
    responses: { 200: { description: 'A page of events', schema: body.auditTrail } },
    problems: ['wallet-not-found', 'invalid-limit', 'invalid-cursor', 'invalid-as-of', 'invalid-known-at'],
  },
  'GET /wallets/{wallet_id}/verify': {
    tag: 'wallets',
    summary: 'Check the hash chains against their anchors',
    query: { full: booleanParam('Walk every lane from version 1 instead of from the signed checkpoint.') },
    responses: { 200: { description: '`ok: true`, or where the chain breaks', schema: body.verify } },
    problems: ['wallet-not-found', 'invalid-full'],
  },
  'GET /wallets/{wallet_id}/transactions': {
    tag: 'trading',
    summary: 'Money and points movements, newest first',
    description: cutDescription,
    query: { ...page, ...cutParams },
    responses: { 200: { description: 'A page of movements', schema: body.transactions } },
    problems: ['wallet-not-found', 'invalid-limit', 'invalid-cursor', 'invalid-as-of', 'invalid-known-at'],
  },
  'POST /events': {
    tag: 'events',
    summary: 'Send CloudEvents (binary, structured, batch, or a JSON array)',
    description:
      'CloudEvents 1.0 over HTTP in every mode: **binary** (`ce-specversion`, `ce-id`, `ce-source`, `ce-type`, `ce-subject` headers, the data as the body), **structured** (`application/cloudevents+json`, one event), **batch** (`application/cloudevents-batch+json`, an array of 1–100), and plain JSON (one event or an array). Every event is validated before any is queued: one invalid event refuses the request (400 `invalid-events`, each reason with its index). `id` is the idempotency key: ingest applies each id once.',
    body: {
      schema: cloudEvents,
      contentTypes: [
        'application/json',
        'application/cloudevents+json',
        'application/cloudevents-batch+json',
      ],
      example: {
        specversion: '1.0',
        id: 'like-001',
        source: 'qa-app',
        type: 'answer_is_liked',
        subject: 'walletID001',
      },
    },
    responses: {
      202: { description: 'Queued; ingest applies each id exactly once', schema: body.eventsAccepted },
    },
    problems: [
      'invalid-events',
      'invalid-event',
      'invalid-batch',
      'event-id-reused',
      'events-not-queued',
      'unsupported-media-type',
    ],
  },
  'POST /transfers': {
    tag: 'trading',
    summary: 'Move money or points between two wallets, in one transaction',
    body: { schema: transferBody, example: { from: 'w1', to: 'w2', asset: 'money', amount: '40.25' } },
    idempotencyKey: 'required',
    responses: { 201: { description: 'Completed', schema: body.transfer } },
    problems: [
      'insufficient-funds',
      'invalid-transfer',
      'missing-idempotency-key',
      'idempotency-key-reused',
      'contended',
    ],
  },
  'POST /wallets/{wallet_id}/holds': {
    tag: 'trading',
    summary: 'Hold part of a wallet',
    body: { schema: placeBody, example: { asset: 'money', amount: '30.50', expiresInSeconds: 600 } },
    idempotencyKey: 'required',
    responses: { 201: { description: 'Held', schema: body.hold } },
    problems: [
      'insufficient-funds',
      'missing-idempotency-key',
      'idempotency-key-reused',
      'hold-exists',
      'contended',
    ],
  },
  'POST /wallets/{wallet_id}/holds/{hold_id}/capture': {
    tag: 'trading',
    summary: 'Spend a hold (all or part), optionally to another wallet',
    body: { schema: captureBody, required: false, example: { amount: '10.25', to: 'w2' } },
    idempotencyKey: 'required',
    responses: { 200: { description: 'Captured', schema: body.hold } },
    problems: [
      'hold-not-found',
      'hold-not-active',
      'invalid-hold-id',
      'missing-idempotency-key',
      'contended',
    ],
  },
  'POST /wallets/{wallet_id}/holds/{hold_id}/release': {
    tag: 'trading',
    summary: 'Release a hold',
    idempotencyKey: 'required',
    responses: { 200: { description: 'Released', schema: body.hold } },
    problems: [
      'hold-not-found',
      'hold-not-active',
      'invalid-hold-id',
      'missing-idempotency-key',
      'contended',
    ],
  },
  'POST /offers': {
    tag: 'trading',
    summary: "Offer a lot for a price (the seller's lot is held)",
    body: {
      schema: openBody,
      example: { seller: 'w1', asset: 'points', amount: 100, price: { asset: 'money', amount: '5.00' } },
    },
    idempotencyKey: 'required',
    responses: { 201: { description: 'Open', schema: body.offer } },
    problems: ['insufficient-funds', 'missing-idempotency-key', 'idempotency-key-reused', 'contended'],
  },
  'GET /offers': {
    tag: 'trading',
    summary: 'The offer book: offers of one asset and status',
    query: {
      asset: { schema: z.enum(['money', 'points']), description: 'The asset offered (default `points`).' },
      status: {
        schema: z.enum(['open', 'filled', 'cancelled', 'expired']),
        description: 'Offers with this status (default `open`).',
      },
      ...page,
    },
    responses: { 200: { description: 'A page of offers', schema: body.offerBook } },
    problems: ['invalid-query', 'invalid-asset', 'invalid-status', 'invalid-limit', 'invalid-cursor'],
  },
  'GET /offers/{offer_id}': {
    tag: 'trading',
    summary: 'An offer and the events behind it',
    responses: { 200: { description: 'The offer', schema: body.offerWithHistory } },
    problems: ['offer-not-found'],
  },
  'POST /offers/{offer_id}/accept': {
    tag: 'trading',
    summary: 'Buy an offer',
    body: { schema: acceptBody, example: { buyer: 'w2' } },
    idempotencyKey: 'required',
    responses: { 200: { description: 'Accepted', schema: body.offer } },
    problems: [
      'offer-not-found',
      'offer-not-open',
      'insufficient-funds',
      'missing-idempotency-key',
      'contended',
    ],
  },
  'POST /offers/{offer_id}/cancel': {
    tag: 'trading',
    summary: 'Withdraw an offer',
    idempotencyKey: 'required',
    responses: { 200: { description: 'Cancelled', schema: body.offer } },
    problems: ['offer-not-found', 'offer-not-open', 'missing-idempotency-key', 'contended'],
  },
  'GET /health': {
    tag: 'operations',
    summary: 'Liveness: 200 when the event store answers',
    responses: { 200: { description: 'Up', schema: body.health } },
    problems: ['store-unreachable'],
  },
  'POST /wallets/{wallet_id}/corrections': {
    tag: 'admin',
    summary: 'Void or amend an event (compensating events, audit trail kept)',
    body: { schema: correctionBody, example: { eventId: 'like-001', action: 'void', reason: 'spam' } },
    responses: {
      201: {
        description: 'Corrected: what, by which events, the wallet before and after',
        schema: body.correction,
      },
      200: {
        description: 'The same correction again: in force already, nothing written',
        schema: body.correction,
      },
    },
    problems: [
      'event-not-found',
      'not-correctable',
      'event-voided',
      'invalid-amendment',
      'correction-below-floor',
      'rule-failed',
      'rule-set-missing',
    ],
  },
  'POST /replay': {
    tag: 'admin',
    summary: "Rebuild a wallet's read model, or start a job for every wallet",
    body: { schema: replayBody, required: false, example: { walletId: 'walletID001' } },
    responses: {
      200: { description: 'One wallet, rebuilt (or the dry run)', schema: body.replayLine },
      202: {
        description: 'A job over every wallet',
        schema: body.jobStarted,
        headers: { Location: 'the job' },
      },
    },
    problems: ['wallet-not-found', 'from-version-needs-wallet'],
  },
  'POST /republish': {
    tag: 'admin',
    summary: 'Publish again every event recorded in a window, as the outbox relay did (a job)',
    description:
      "Every event recorded in [from, to) goes out again through the outbox relay's publisher: the same CloudEvents, with the same ids, so consumers that dedupe by id see no change. For a window the relay missed (a stream switch, a relay outage). The window must be over and at most 7 days wide. The job walks every item of the table (a Scan): see docs/api.md (republish, What it costs).",
    body: { schema: republishBody, example: { from: '2026-12-07T05:00:00Z', to: '2026-12-07T05:20:00Z' } },
    responses: {
      202: {
        description: 'The job, started',
        schema: body.jobStarted,
        headers: { Location: 'the job' },
      },
    },
    problems: ['window-not-over'],
  },
  'POST /rules/backtest': {
    tag: 'admin',
    summary: 'A candidate rule set over stored facts: dry run, or applied',
    body: { schema: backtestBody, example: { walletIds: ['walletID001'], ruleSetVersion: 1 } },
    responses: {
      200: { description: 'The named wallets, at once', schema: body.backtestReport },
      202: {
        description: 'A job over every wallet',
        schema: body.jobStarted,
        headers: { Location: 'the job' },
      },
    },
    problems: ['invalid-rules', 'rule-set-not-found', 'rule-set-text-mismatch'],
  },
  'GET /openapi.json': {
    tag: 'operations',
    summary: 'This document (OpenAPI 3.1)',
    responses: {
      200: {
        description: 'The contract, generated from the wiring table and the route schemas',
        schema: z.looseObject({
          openapi: z.string(),
          info: z.looseObject({}),
          paths: z.record(z.string(), z.unknown()),
        }),
      },
    },
  },
  'GET /docs': {
    tag: 'operations',
    summary: 'The API reference page, rendered from /openapi.json',
    responses: {
      200: { description: 'An HTML page (no CDN)', schema: z.string(), contentType: 'text/html' },
    },
  },
  ...MONEY_ROUTE_CONTRACTS,
  ...PAYMENT_LIST_ROUTE_CONTRACTS,
  ...ADMIN_ROUTE_CONTRACTS,
};
