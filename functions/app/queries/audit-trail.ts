import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { readWallet } from '../read-events.ts';
import type { Page, PageRequest } from './positions.ts';

export interface AuditTrailPage extends Page<RecordedEvent> {
  /** `lane:version` of a corrected event → the ids of the corrections that name it. */
  correctedBy: ReadonlyMap<string, string[]>;
}

/**
 * The audit trail: every event of the wallet, lane by lane, oldest first — originals, the
 * corrections that name them and the compensating adjustments. Nothing is hidden or rewritten;
 * `/verify` proves the chain. Undefined for a wallet with no events.
 */
export async function auditTrail(
  store: EventStore,
  walletId: string,
  page: PageRequest,
): Promise<AuditTrailPage | undefined> {
  const { limit, from: start } = page;
  const all = await readWallet(store, walletId);
  if (all.length === 0) return undefined;
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
  const following = ordered[limit];
  return {
    items: ordered.slice(0, limit),
    next: following === undefined ? undefined : { lane: following.lane, version: following.version },
    correctedBy,
  };
}
