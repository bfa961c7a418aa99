/**
 * Ingest of a whole bus batch (an SQS batch of up to 10 messages) in as few transactions as fit,
 * instead of one transaction per event. Every event is planned as one event is (ingest.ts), then:
 * 1. The legacy keys (the item a request wrote before keys were scoped) of the whole batch are
 *    read in one BatchGetItem, where one event alone reads its own with a GetItem; at the same
 *    time, the lane-0 heads of the wallets this instance has no cached head for.
 * 2. Each event is decided on its own: credits (deposits, facts and their points) commute, so,
 *    as in the command handler's `any-lane` placement, nothing is read to decide them.
 * 3. The events of one wallet become one group on the lane and head this instance last used for
 *    it (else lane 0's head), one part per event, each part with its own key and index items, in
 *    the batch's order; the groups of all wallets go to EventStore.appendGroups, which packs them
 *    into as few TransactWriteItems as fit 100 items, each event create-only at its version.
 * 4. A group that was not written (a key used before: a redelivery; a head moved: another
 *    writer; anything else its own items failed on) does not hold the other groups back. Its used
 *    keys come back with their records and are answered from them; its other events are taken
 *    event by event through the one-event path (ingest.ts → the command handler), which follows a
 *    moved head to another lane and retries a conflict.
 * Nothing is answered before its transaction has committed. An event whose key is already in the
 * batch (a message delivered twice in one batch) goes after the others, on its own, and finds its
 * twin's key.
 */

import { decideCredit } from '#domain/wallet/ledger.ts';
import { initialWalletState } from '#domain/wallet/state.ts';
import type { RecordedEvent, WalletEvent } from '#domain/wallet.ts';
import type {
  AppendGroupRequest,
  AppendGroupsResult,
  IdempotencyRecord,
  NewEvent,
} from '#ports/event-store.ts';
import type { TraceContext } from '#ports/tracing.ts';
import type { CloudEvent } from './cloud-event.ts';
import type { LaneHead } from './head-cache.ts';
import { type IngestDeps, type IngestOutcome, type IngestPlan, planIngest, recordPlan } from './ingest.ts';
import { ledgerIndexChanges } from './ledger-indexes.ts';
import { instanceHeads } from './placement.ts';
import { appendIndexOf } from './write-outcome.ts';

/** What one event of a batch came to: an outcome, or an error (it is delivered again). */
export type IngestSettled = { ok: true; outcome: IngestOutcome } | { ok: false; error: unknown };

/** One event of a batch, with the trace context its events carry (the CloudEvent's own, if any). */
export interface BatchEvent {
  event: CloudEvent;
  trace?: TraceContext;
}

/** DynamoDB's items per transaction; a group (one wallet) never grows past it. */
const GROUP_ITEMS_MAX = 100;

/** Ingests the events of a batch (see the module comment); one result per event, in order. */
export async function ingestEvents(deps: IngestDeps, batch: readonly BatchEvent[]): Promise<IngestSettled[]> {
  const results: IngestSettled[] = new Array(batch.length);
  const plans: { at: number; plan: IngestPlan; trace?: TraceContext }[] = [];
  for (const [at, { event, trace }] of batch.entries()) {
    try {
      const planned = await planIngest(deps, event);
      if (planned.kind === 'settled') results[at] = { ok: true, outcome: planned.outcome };
      else plans.push({ at, plan: planned.plan, ...(trace ? { trace } : {}) });
    } catch (error) {
      results[at] = { ok: false, error };
    }
  }
  const alone: typeof plans = [];
  let grouped = plans;
  let legacyRead = false;
  if (deps.store.appendGroups !== undefined && plans.length > 1) {
    let legacy: Map<string, IdempotencyRecord>;
    let starts: Map<string, LaneHead>;
    try {
      // The batch's key look-up and its wallets' heads at once: one round trip before the write.
      [legacy, starts] = await Promise.all([
        legacyRecords(
          deps,
          plans.map(({ plan }) => plan),
        ),
        startsOf(
          deps,
          plans.map(({ plan }) => plan.walletId),
        ),
      ]);
    } catch (error) {
      for (const { at } of plans) results[at] = { ok: false, error };
      return results;
    }
    legacyRead = true;
    grouped = [];
    const keys = new Set<string>();
    for (const entry of plans) {
      const { idempotency } = entry.plan;
      const prior = legacy.get(idempotency.legacyKey);
      if (idempotency.legacyKey !== idempotency.key && prior?.payloadHash === idempotency.payloadHash) {
        results[entry.at] = { ok: true, outcome: { kind: 'replayed', response: prior.response } };
      } else if (keys.has(idempotency.key)) {
        alone.push(entry);
      } else {
        keys.add(idempotency.key);
        grouped.push(entry);
      }
    }
    alone.unshift(...(await appendGrouped(deps, starts, grouped, results)));
  } else {
    alone.unshift(...grouped);
  }
  for (const { at, plan } of alone) {
    try {
      // The legacy key, when it was read above for the batch, is not read again for each event.
      const idempotency = legacyRead
        ? { ...plan.idempotency, legacyKey: plan.idempotency.key }
        : plan.idempotency;
      results[at] = { ok: true, outcome: await recordPlan(deps, { ...plan, idempotency }) };
    } catch (error) {
      results[at] = { ok: false, error };
    }
  }
  return results;
}

/** One BatchGetItem (or a look-up per key, where the store has none) for the batch's legacy keys. */
async function legacyRecords(deps: IngestDeps, plans: readonly IngestPlan[]) {
  const keys = plans
    .map((plan) => plan.idempotency)
    .filter((idempotency) => idempotency.legacyKey !== idempotency.key)
    .map((idempotency) => idempotency.legacyKey);
  if (keys.length === 0) return new Map<string, IdempotencyRecord>();
  if (deps.store.findIdempotencies) return deps.store.findIdempotencies(keys);
  const found = new Map<string, IdempotencyRecord>();
  for (const key of new Set(keys)) {
    const record = await deps.store.findIdempotency(key);
    if (record) found.set(key, record);
  }
  return found;
}

/**
 * Where each wallet's group appends, as the `any-lane` placement starts: the lane and head this
 * instance last used for it, else lane 0's head (read, all wallets at once).
 */
async function startsOf(deps: IngestDeps, walletIds: readonly string[]): Promise<Map<string, LaneHead>> {
  const heads = deps.heads ?? instanceHeads;
  const unique = [...new Set(walletIds)];
  const starts = await Promise.all(
    unique.map(
      async (walletId): Promise<LaneHead> =>
        heads.get(walletId) ?? { lane: 0, head: await deps.store.head(walletId, 0) },
    ),
  );
  return new Map(unique.map((walletId, index) => [walletId, starts[index] as LaneHead]));
}

type Entry = { at: number; plan: IngestPlan; trace?: TraceContext };

/** A wallet's group as it is being built: its parts' events and answers, and where it appends. */
interface Group {
  walletId: string;
  at: LaneHead;
  entries: Entry[];
  parts: AppendGroupRequest['parts'];
  items: number;
  events: number;
}

/**
 * Decides the grouped events, appends the groups, fills `results` for those written, and returns
 * the entries to take one by one (their group was not written, or would not fit one transaction).
 */
async function appendGrouped(
  deps: IngestDeps,
  starts: ReadonlyMap<string, LaneHead>,
  entries: readonly Entry[],
  results: IngestSettled[],
): Promise<Entry[]> {
  const heads = deps.heads ?? instanceHeads;
  const state = initialWalletState();
  const groups = new Map<string, Group>();
  for (const { plan } of entries) {
    const at = starts.get(plan.walletId);
    if (at === undefined) throw new Error(`ingestEvents: no head for ${plan.walletId}`);
    if (!groups.has(plan.walletId))
      groups.set(plan.walletId, { walletId: plan.walletId, at, entries: [], parts: [], items: 0, events: 0 });
  }
  const overflow: Entry[] = [];
  for (const entry of entries) {
    const group = groups.get(entry.plan.walletId) as Group;
    const occurredAtMs = deps.clock.nowMs();
    const eventId = deps.ids.newId();
    const decision = decideCredit(entry.plan.command(occurredAtMs));
    if (!Array.isArray(decision) || decision.length === 0) {
      // Credits always decide events; anything else takes the one-event path, which says why.
      overflow.push(entry);
      continue;
    }
    const events = stamp(decision, eventId, occurredAtMs, entry.trace);
    const { lane, head } = group.at;
    const expectedVersion = head.version + group.events;
    const index = appendIndexOf(group.walletId, state, lane, expectedVersion, events, ledgerIndexChanges);
    const { idempotency } = entry.plan;
    const response = entry.plan.respond(
      events.map(
        (event, i): RecordedEvent => ({
          ...event,
          walletId: group.walletId,
          lane,
          version: expectedVersion + 1 + i,
          idempotencyKey: idempotency.reference,
        }),
      ),
    );
    // Its events, index items and key, with a slot kept for the lane's registration.
    const items = events.length + index.length + 1;
    if (group.items + items + 1 > GROUP_ITEMS_MAX) {
      overflow.push(entry);
      continue;
    }
    group.items += items;
    group.events += events.length;
    group.entries.push(entry);
    group.parts.push({
      events,
      ...(index.length > 0 ? { index } : {}),
      idempotency: { ...idempotency, response },
    });
  }
  const written = [...groups.values()].filter((group) => group.parts.length > 0);
  let outcomes: AppendGroupsResult[];
  try {
    outcomes = await (deps.store.appendGroups as NonNullable<IngestDeps['store']['appendGroups']>)(
      written.map((group) => ({
        walletId: group.walletId,
        lane: group.at.lane,
        expected: group.at.head,
        parts: group.parts,
      })),
    );
  } catch (error) {
    outcomes = written.map(() => ({ kind: 'unknown', error }));
  }
  const again: Entry[] = [];
  for (const [index, group] of written.entries()) {
    const outcome = outcomes[index];
    if (outcome?.kind !== 'appended') {
      // A used key is answered from the record the cancellation returned (a redelivery: replayed;
      // the id with another payload: key-reused), as a single append answers it. The rest are
      // taken one by one: a moved head followed, a conflict retried.
      const taken = new Map(
        (outcome?.kind === 'failed' ? (outcome.taken ?? []) : []).map((t) => [t.part, t.record]),
      );
      for (const [part, entry] of group.entries.entries()) {
        const record = taken.get(part);
        if (record === undefined) again.push(entry);
        else
          results[entry.at] = {
            ok: true,
            outcome:
              record.payloadHash === entry.plan.idempotency.payloadHash
                ? { kind: 'replayed', response: record.response }
                : { kind: 'key-reused' },
          };
      }
      continue;
    }
    heads.remember(group.walletId, { lane: group.at.lane, head: outcome.head });
    for (const [part, entry] of group.entries.entries()) {
      const recorded = outcome.parts[part] ?? [];
      const response = group.parts[part]?.idempotency?.response;
      if (response === undefined) throw new Error('ingestEvents: a grouped event always has its answer');
      results[entry.at] = {
        ok: true,
        outcome: {
          kind: 'recorded',
          walletId: group.walletId,
          events: recorded,
          points: entry.plan.points,
          response,
        },
      };
    }
  }
  return [...again.sort((a, b) => a.at - b.at), ...overflow];
}

/** Ids and record time as recordCommuting gives them: `id`, `id-1`, …; the trace outside the hash. */
function stamp(
  events: readonly WalletEvent[],
  eventId: string,
  recordedAtMs: number,
  trace: TraceContext | undefined,
): NewEvent[] {
  return events.map((event, index) => ({
    ...event,
    eventId: index === 0 ? eventId : `${eventId}-${index}`,
    recordedAtMs,
    ...(trace ?? {}),
  }));
}
