import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { activeRulesFromEnv } from '#adapters/compose.ts';
import { type Stores, storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { readWallet } from '#app/read-events.ts';
import { currentView } from '#app/wallet-projection.ts';
import { formatMinor } from '#domain/money.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { assertNever, type RecordedEvent } from '#domain/wallet.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { aboveThreshold, rebuildView, type WalletView } from '#domain/wallet-view.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { badRequest, type HttpResult, jsonResult, walletNotFound } from '#http/problem.ts';

export const POINTS_PAGE_DEFAULT = 50;
export const POINTS_PAGE_MAX = 200;

const cursorSchema = z.object({ lane: z.number().int().min(0).max(99), version: z.number().int().min(1) });
type Cursor = z.infer<typeof cursorSchema>;

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeCursor(text: string): Cursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw badRequest('invalid-cursor', 'cursor is not one this API gave out; start again without it.');
  }
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return POINTS_PAGE_DEFAULT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > POINTS_PAGE_MAX) {
    throw badRequest('invalid-limit', `limit must be a whole number from 1 to ${POINTS_PAGE_MAX}.`);
  }
  return limit;
}

type Fact = RecordedEvent & { type: 'FactRecorded' };
type Award = RecordedEvent & { type: 'PointsAwarded' };

/** An award with what explains it: the rule (id, version, text hash) and the fact that earned it. */
function explain(award: Award, fact: Fact | undefined) {
  return {
    points: Number(award.data.points),
    ruleId: award.data.ruleId,
    ruleSetVersion: award.data.ruleSetVersion,
    ruleTextHash: award.data.ruleTextHash,
    factId: award.data.factId,
    factType: fact?.data.factType ?? null,
    factSource: fact?.data.source ?? null,
    factTime: fact ? new Date(fact.data.occurredAtMs).toISOString() : null,
    recordedAt: new Date(award.recordedAtMs).toISOString(),
    eventId: award.eventId,
    lane: award.lane,
    version: award.version,
  };
}

export function makeWalletsHandler(
  deps: () => Promise<{ stores: Pick<Stores, 'events' | 'readModels'>; config: ThresholdConfig }>,
) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const walletId = parseWalletId(event.pathParameters?.wallet_id);
    const { stores, config } = await deps();
    if (event.routeKey.endsWith('/points')) {
      return points(stores, walletId, event.queryStringParameters ?? {});
    }
    if (event.routeKey.endsWith('/events')) {
      return auditTrail(stores, walletId, event.queryStringParameters ?? {});
    }
    if (event.routeKey.endsWith('/verify')) {
      const result = await stores.events.verify(walletId);
      if (result.ok && result.events === 0) throw walletNotFound(walletId);
      return jsonResult(200, JSON.stringify({ walletId, ...result }));
    }
    const asOfText = event.queryStringParameters?.asOf;
    if (asOfText !== undefined) {
      const asOf = parseAsOf(asOfText);
      const view = viewAsOf(walletId, await readWallet(stores.events, walletId), config, asOf);
      if (view === undefined) throw walletNotFound(walletId);
      return jsonResult(200, walletJson(walletId, view, asOfText));
    }
    const view = await currentView(stores.events, stores.readModels, walletId, config);
    if (view.eventCount === 0) throw walletNotFound(walletId);
    return jsonResult(200, walletJson(walletId, view));
  };
}

function walletJson(walletId: string, view: WalletView, asOf?: string): string {
  return (
    `{"walletId":${JSON.stringify(walletId)},"balance":${formatMinor(view.balanceMinor)},"points":${view.points.toString()},` +
    `"aboveThreshold":${aboveThreshold(view)},"version":${view.eventCount},` +
    `"updatedAt":${JSON.stringify(new Date(view.updatedAtMs).toISOString())}` +
    `${asOf === undefined ? '' : `,"asOf":${JSON.stringify(asOf)}`},"assets":${assetsJson(view)}}`
  );
}

/** Per asset: balance, held and available (balance − held); money as exact decimals. */
function assetsJson(view: WalletView): string {
  const asset = (balance: bigint, held: bigint, format: (value: bigint) => string) =>
    `{"balance":${format(balance)},"held":${format(held)},"available":${format(balance - held)}}`;
  return (
    `{"money":${asset(view.balanceMinor, view.moneyHeldMinor, (minor) => formatMinor(minor))},` +
    `"points":${asset(view.points, view.pointsHeld, (points) => points.toString())}}`
  );
}

type AsOf = { kind: 'time'; atMs: number } | { kind: 'version'; version: number };

/** `asOf` is an ISO 8601 time (recorded at or before it) or a wallet version (its first N events). */
function parseAsOf(text: string): AsOf {
  if (/^\d{1,12}$/.test(text)) return { kind: 'version', version: Number(text) };
  const atMs = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/i.test(text) && Number.isFinite(atMs)) {
    return { kind: 'time', atMs };
  }
  throw badRequest(
    'invalid-as-of',
    'asOf must be an ISO 8601 time (e.g. 2026-11-22T10:00:00Z) or a version number.',
  );
}

/**
 * The view from the log as it stood: the events recorded up to a time, or the wallet's first
 * `version` events in the order they were recorded (time, then lane, then version). Undefined when
 * the wallet had no events by then.
 */
function viewAsOf(
  walletId: string,
  events: RecordedEvent[],
  config: ThresholdConfig,
  asOf: AsOf,
): WalletView | undefined {
  const ordered = [...events].sort(
    (a, b) => a.recordedAtMs - b.recordedAtMs || a.lane - b.lane || a.version - b.version,
  );
  const kept =
    asOf.kind === 'version'
      ? ordered.slice(0, asOf.version)
      : ordered.filter((recorded) => recorded.recordedAtMs <= asOf.atMs);
  // Within a lane the kept events must be a prefix (1…n), which recorded order gives unless a
  // clock went backwards; cut each lane at its first gap so the fold stays well-defined.
  const nextVersion = new Map<number, number>();
  const prefix: RecordedEvent[] = [];
  for (const recorded of [...kept].sort((a, b) => a.lane - b.lane || a.version - b.version)) {
    const expected = nextVersion.get(recorded.lane) ?? 1;
    if (recorded.version !== expected) continue;
    nextVersion.set(recorded.lane, expected + 1);
    prefix.push(recorded);
  }
  if (prefix.length === 0) return undefined;
  return rebuildView(walletId, prefix, config);
}

/**
 * The awards, lane by lane, oldest first. A fact and its awards are one append, so a page ends
 * only between facts: each award is listed with its fact. Adjustments (corrections, backtest
 * applications) are appended later, in lane 0: their fact is looked up, in one read of the
 * wallet's log when the page did not meet it.
 */
async function points(
  stores: Pick<Stores, 'events'>,
  walletId: string,
  query: Record<string, string | undefined>,
): Promise<HttpResult> {
  const limit = parseLimit(query.limit);
  const start = query.cursor === undefined ? { lane: 0, version: 1 } : decodeCursor(query.cursor);
  const lanes = (await stores.events.lanes(walletId)).filter((lane) => lane >= start.lane);
  const listed: { award: Award; fact: Fact | undefined; adjustment?: { cause: string; causeId: string } }[] =
    [];
  const facts = new Map<string, Fact>();
  let next: Cursor | undefined;
  scan: for (const lane of lanes) {
    let fact: Fact | undefined;
    const fromVersion = lane === start.lane ? start.version : 1;
    for await (const page of stores.events.read(walletId, lane, { fromVersion })) {
      for (const recorded of page) {
        if (recorded.type === 'FactRecorded') {
          if (listed.length >= limit) {
            next = { lane, version: recorded.version };
            break scan;
          }
          fact = recorded;
          facts.set(recorded.data.factId, recorded);
        } else if (recorded.type === 'PointsAwarded') {
          listed.push({
            award: recorded,
            fact: fact?.data.factId === recorded.data.factId ? fact : undefined,
          });
        } else if (recorded.type === 'PointsAdjusted') {
          // Adjustments stand alone (no fact before them in the lane): a page may end before one.
          if (listed.length >= limit) {
            next = { lane, version: recorded.version };
            break scan;
          }
          listed.push({
            award: { ...recorded, type: 'PointsAwarded' },
            fact: facts.get(recorded.data.factId),
            adjustment: { cause: recorded.data.cause, causeId: recorded.data.causeId },
          });
        }
      }
    }
  }
  if (listed.some((entry) => entry.adjustment !== undefined && entry.fact === undefined)) {
    for (const recorded of await readWallet(stores.events, walletId)) {
      if (recorded.type === 'FactRecorded') facts.set(recorded.data.factId, recorded);
    }
    for (const entry of listed) entry.fact ??= facts.get(entry.award.data.factId);
  }
  if (
    listed.length === 0 &&
    query.cursor === undefined &&
    (await stores.events.head(walletId, 0)).version === 0
  ) {
    throw walletNotFound(walletId);
  }
  const awards = listed.map(({ award, fact, adjustment }) => ({
    ...explain(award, fact),
    ...(adjustment === undefined ? {} : { adjustment }),
  }));
  return jsonResult(
    200,
    JSON.stringify({ walletId, awards, nextCursor: next === undefined ? null : encodeCursor(next) }),
  );
}

/** One stored event as the audit trail shows it: amounts as decimal text, times as ISO 8601. */
function auditEvent(event: RecordedEvent, correctedBy: ReadonlyMap<string, string[]>) {
  const iso = (ms: number) => new Date(ms).toISOString();
  const base = {
    eventId: event.eventId,
    type: event.type,
    lane: event.lane,
    version: event.version,
    recordedAt: iso(event.recordedAtMs),
    ...(event.idempotencyKey === undefined ? {} : { idempotencyKey: event.idempotencyKey }),
  };
  const corrections = correctedBy.get(`${event.lane}:${event.version}`);
  const annotated = corrections === undefined ? {} : { correctedBy: corrections };
  switch (event.type) {
    case 'Deposited':
      return {
        ...base,
        data: {
          amount: formatMinor(event.data.amountMinor),
          time: iso(event.data.occurredAtMs),
          ...(event.data.factId === undefined ? {} : { factId: event.data.factId }),
        },
        ...annotated,
      };
    case 'FactRecorded':
      return {
        ...base,
        data: {
          factId: event.data.factId,
          source: event.data.source,
          factType: event.data.factType,
          time: iso(event.data.occurredAtMs),
          data: JSON.parse(event.data.dataJson) as unknown,
          ...(event.data.ruleSetVersion === undefined ? {} : { ruleSetVersion: event.data.ruleSetVersion }),
        },
        ...annotated,
      };
    case 'PointsAwarded':
    case 'PointsAdjusted':
      return { ...base, data: { ...event.data, points: Number(event.data.points) } };
    case 'RulesApplied':
      return {
        ...base,
        data: {
          ruleSetVersion: event.data.ruleSetVersion,
          from: event.data.fromMs === undefined ? null : iso(event.data.fromMs),
          to: event.data.toMs === undefined ? null : iso(event.data.toMs),
          causeId: event.data.causeId,
        },
      };
    case 'EventCorrected':
      return {
        ...base,
        data: {
          target: event.data.target,
          action: event.data.action,
          reason: event.data.reason,
          ...(event.data.deposit === undefined
            ? {}
            : {
                deposit: {
                  amount: formatMinor(event.data.deposit.amountMinor),
                  time: iso(event.data.deposit.occurredAtMs),
                },
              }),
          ...(event.data.fact === undefined
            ? {}
            : {
                fact: {
                  time: iso(event.data.fact.occurredAtMs),
                  data: JSON.parse(event.data.fact.dataJson) as unknown,
                },
              }),
        },
      };
    case 'HoldPlaced':
      return {
        ...base,
        data: {
          ...event.data,
          amount: amountJson(event.data.asset, event.data.amount),
          expiresAt: iso(event.data.expiresAtMs),
        },
      };
    case 'HoldCaptured':
      return {
        ...base,
        data: {
          ...event.data,
          amount: amountJson(event.data.asset, event.data.amount),
          released: amountJson(event.data.asset, event.data.released),
        },
      };
    case 'HoldReleased':
    case 'TransferredOut':
    case 'TransferredIn':
      return { ...base, data: { ...event.data, amount: amountJson(event.data.asset, event.data.amount) } };
    default:
      return assertNever(event);
  }
}

/** An amount as the API shows it: money as its exact decimal text, points as a number. */
const amountJson = (asset: 'money' | 'points', amount: bigint): string | number =>
  asset === 'money' ? formatMinor(amount) : Number(amount);

/**
 * The audit trail: every event of the wallet, lane by lane, oldest first — originals, the
 * corrections that name them (`correctedBy`) and the compensating adjustments. Nothing is hidden
 * or rewritten; `/verify` proves the chain.
 */
async function auditTrail(
  stores: Pick<Stores, 'events'>,
  walletId: string,
  query: Record<string, string | undefined>,
): Promise<HttpResult> {
  const limit = parseLimit(query.limit);
  const start = query.cursor === undefined ? { lane: 0, version: 1 } : decodeCursor(query.cursor);
  const all = await readWallet(stores.events, walletId);
  if (all.length === 0) throw walletNotFound(walletId);
  const correctedBy = new Map<string, string[]>();
  for (const recorded of all) {
    if (recorded.type !== 'EventCorrected') continue;
    const key = `${recorded.data.target.lane}:${recorded.data.target.version}`;
    correctedBy.set(key, [...(correctedBy.get(key) ?? []), recorded.eventId]);
  }
  const ordered = all
    .filter(
      (recorded) =>
        recorded.lane > start.lane || (recorded.lane === start.lane && recorded.version >= start.version),
    )
    .sort((a, b) => a.lane - b.lane || a.version - b.version);
  const page = ordered.slice(0, limit);
  const following = ordered[limit];
  return jsonResult(
    200,
    JSON.stringify({
      walletId,
      events: page.map((recorded) => auditEvent(recorded, correctedBy)),
      nextCursor:
        following === undefined ? null : encodeCursor({ lane: following.lane, version: following.version }),
    }),
  );
}

export const handler = middy(
  makeWalletsHandler(async () => ({
    stores: storesFromEnv(),
    config: (await activeRulesFromEnv().current()).threshold,
  })),
)
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
