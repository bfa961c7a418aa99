import { foldableAt, type TimeCut, visibleAt } from '#domain/bitemporal.ts';
import { type AccountBalance, accountBalance } from '#domain/card/statement.ts';
import { type StatementLine, statementOf } from '#domain/card/statement-lines.ts';
import { foldWallet, initialWalletState, type RecordedEvent } from '#domain/wallet.ts';
import type { Clock } from '#ports/clock.ts';
import type { EventStore } from '#ports/event-store.ts';
import { readWallet } from '../read-events.ts';
import type { AuditTrailPage } from './audit-trail.ts';
import type { ExplainedAward, Fact } from './points.ts';
import type { Page, PageRequest } from './positions.ts';

/**
 * The listings and the account balance at a bitemporal cut (issue 13 §3): `asOf` effective time,
 * `knownAt` record time, as `GET /wallets/{wallet_id}` takes them (functions/domain/bitemporal.ts
 * says what each event's effective time is).
 *
 * These read the wallet's whole log and cut it in memory: effective time does not follow the
 * lanes' record order, so no sort-key range or index answers it (an effective-time index is the
 * next step if such reads on long wallets matter). The reads without a cut keep their own paths
 * (queries/points.ts, audit-trail.ts, …), which read only what a page lists.
 *
 * Undefined when nothing of the wallet was counted at the cut (it did not exist yet, as far as
 * that cut goes), which the routes answer 404 as `GET /wallets/{wallet_id}` does.
 */
export async function walletLogAt(
  store: EventStore,
  walletId: string,
  cut: TimeCut,
): Promise<RecordedEvent[] | undefined> {
  const visible = visibleAt(await readWallet(store, walletId), cut);
  return visible.length === 0 ? undefined : visible;
}

const byPosition = (a: RecordedEvent, b: RecordedEvent) => a.lane - b.lane || a.version - b.version;

/** The events from the page's start on, in lane then version order. */
function fromStart(events: readonly RecordedEvent[], page: PageRequest): RecordedEvent[] {
  const { lane, version } = page.from;
  return events
    .filter((event) => event.lane > lane || (event.lane === lane && event.version >= version))
    .sort(byPosition);
}

/**
 * `GET /wallets/{wallet_id}/points` at a cut: the awards and adjustments among `events`, each with
 * its fact, paged as queries/points.ts pages them (a page ends only before a fact or an adjustment,
 * so an award is never parted from its fact).
 */
export function awardsAt(events: readonly RecordedEvent[], page: PageRequest): Page<ExplainedAward> {
  const facts = new Map<string, Fact>();
  for (const event of events) if (event.type === 'FactRecorded') facts.set(event.data.factId, event);
  const listed: ExplainedAward[] = [];
  for (const event of fromStart(events, page)) {
    const startsEntry = event.type === 'FactRecorded' || event.type === 'PointsAdjusted';
    if (startsEntry && listed.length >= page.limit) {
      return { items: listed, next: { lane: event.lane, version: event.version } };
    }
    if (event.type === 'PointsAwarded') {
      listed.push({ award: event, fact: facts.get(event.data.factId) });
    } else if (event.type === 'PointsAdjusted') {
      listed.push({
        award: { ...event, type: 'PointsAwarded' },
        fact: facts.get(event.data.factId),
        adjustment: { cause: event.data.cause, causeId: event.data.causeId },
      });
    }
  }
  return { items: listed, next: undefined };
}

/**
 * `GET /wallets/{wallet_id}/events` at a cut: the events counted then, in the audit trail's order
 * and pages, each corrected event annotated with the corrections counted then.
 */
export function auditTrailAt(events: readonly RecordedEvent[], page: PageRequest): AuditTrailPage {
  const listed = fromStart(events, page);
  const following = listed[page.limit];
  const correctedBy = new Map<string, string[]>();
  for (const event of events) {
    if (event.type !== 'EventCorrected') continue;
    const key = `${event.data.target.lane}:${event.data.target.version}`;
    correctedBy.set(key, [...(correctedBy.get(key) ?? []), event.eventId]);
  }
  return {
    items: listed.slice(0, page.limit),
    next: following === undefined ? undefined : { lane: following.lane, version: following.version },
    correctedBy,
  };
}

/**
 * A card account at a cut: its balance and statement from the events counted then, folded. What
 * depends on the clock (an authorization past its expiry is no longer pending) is judged at the
 * cut's time: `asOf`, else `knownAt`.
 */
export async function accountAt(
  deps: { store: EventStore; clock: Clock },
  accountId: string,
  cut: TimeCut,
): Promise<{ balance: AccountBalance; statement: () => StatementLine[] } | undefined> {
  const log = await readWallet(deps.store, accountId);
  const atMs = cut.asOfMs ?? cut.knownAtMs ?? deps.clock.nowMs();
  const balance = accountBalance(foldWallet(foldableAt(log, cut), initialWalletState()), atMs);
  if (balance === undefined) return undefined;
  return { balance, statement: () => statementOf(visibleAt(log, cut), atMs) };
}
