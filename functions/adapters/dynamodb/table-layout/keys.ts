/**
 * The single-table layout's keys: the only code that knows key shapes. Each kind of item has its
 * own module beside this one that writes it and parses it back (numbers arrive as decimal text).
 *
 * | item             | pk                       | sk                                          | module              |
 * |------------------|--------------------------|---------------------------------------------|---------------------|
 * | event            | WALLET#<walletId>        | EVENT#<lane, 2 digits>#<version, 12 digits> | event-item.ts       |
 * | event, lane ≥ 32 | WALLET#<walletId>#<lane> | EVENT#<lane, 2 digits>#<version, 12 digits> | event-item.ts       |
 * | lanes            | WALLET#<walletId>        | LANES  (number set of lanes other than 0)   | lanes-item.ts       |
 * | read model       | WALLET#<walletId>        | VIEW#WALLET                                 | view-item.ts        |
 * | snapshot         | WALLET#<walletId>        | SNAPSHOT#<eventCount, 12 digits>            | view-item.ts        |
 * | account snapshot | WALLET#<walletId>        | ACCOUNT#SNAPSHOT (the latest, one per account) | account-snapshot-item.ts |
 * | idempotency      | IDEMPOTENCY#<key>        | IDEMPOTENCY                                 | idempotency-item.ts |
 * | job              | JOB#<jobId>              | JOB                                         | job-items.ts        |
 * | job segment      | JOB#<jobId>              | SEGMENT#<segment, 3 digits>                 | job-items.ts        |
 * | running segment  | JOBS#RUNNING             | SEGMENT#<jobId>#<segment, 3 digits> (one per unfinished segment) | job-items.ts |
 * | running complete | JOBS#RUNNING             | COMPLETE  (every unfinished segment has its item) | job-items.ts |
 * | rule set         | RULESET                  | ACTIVE, or VERSION#<version, 8 digits>      | rule-set-item.ts    |
 * | decision rules   | DECISIONRULES            | ACTIVE, or VERSION#<version, 8 digits>      | rule-set-item.ts    |
 * | offer            | OFFERS#<asset>#<status>  | <unit price, 40 digits>#<offerId>           | offer-item.ts       |
 * | expiry           | EXPIRY#<minute, 10 digits> | <expiresAtMs, 15 digits>#<walletId>#<holdId> | expiry-item.ts |
 * | sweep mark       | EXPIRY                   | SWEPT  (the first minute not yet swept clean) | expiry-item.ts    |
 */
export const VERSION_DIGITS = 12;
export const VERSION_MAX = 10 ** VERSION_DIGITS - 1;
export const walletPk = (walletId: string): string => `WALLET#${walletId}`;
/**
 * Lanes from here up (LANE_SHARDS_FROM … LANES_MAX − 1, see ports/event-store.ts) are shards: each
 * has a partition key of its own, `WALLET#<walletId>#<lane>`, so a hot wallet's writes spread over
 * partitions (DynamoDB takes about 1,000 write units a second per partition). Lanes below it,
 * lane 0 and lanes 1–31 written before shards existed, live under the wallet's own key, as do the
 * lane registry, the view, snapshots and checkpoints.
 */
export const LANE_SHARDS_FROM = 32;
export const isShardLane = (lane: number): boolean => lane >= LANE_SHARDS_FROM;
/** The partition key of a lane's events. */
export const lanePk = (walletId: string, lane: number): string =>
  isShardLane(lane) ? `${walletPk(walletId)}#${lane}` : walletPk(walletId);
export const laneSkPrefix = (lane: number): string => `EVENT#${String(lane).padStart(2, '0')}#`;
export const eventSk = (lane: number, version: number): string =>
  `${laneSkPrefix(lane)}${String(version).padStart(VERSION_DIGITS, '0')}`;
export const EVENT_SK_PREFIX = 'EVENT#';
export const LANES_SK = 'LANES';
export const VIEW_SK = 'VIEW#WALLET';
/**
 * Snapshots have the view item's attributes. Their sort key never starts with `EVENT#`, so the
 * stream filter (new `EVENT#` items only) and the event store's queries never see one.
 */
export const SNAPSHOT_SK_PREFIX = 'SNAPSHOT#';
export const snapshotSk = (eventCount: number): string =>
  `${SNAPSHOT_SK_PREFIX}${String(eventCount).padStart(VERSION_DIGITS, '0')}`;
/** A card account's folded state (account-snapshot-item.ts): not an EVENT# or SNAPSHOT# key either. */
export const ACCOUNT_SNAPSHOT_SK = 'ACCOUNT#SNAPSHOT';
export const idempotencyPk = (key: string): string => `IDEMPOTENCY#${key}`;
export const IDEMPOTENCY_SK = 'IDEMPOTENCY';

/** The lane of an event item's sort key, or undefined for any other item. */
export function laneFromEventSk(sk: string): number | undefined {
  const match = /^EVENT#(\d{2})#\d+$/.exec(sk);
  return match ? Number(match[1]) : undefined;
}

/** The lane and version an event item's sort key names (undefined for any other item). */
export function eventRefFromSk(sk: string): { lane: number; version: number } | undefined {
  const match = /^EVENT#(\d{2})#(\d+)$/.exec(sk);
  return match ? { lane: Number(match[1]), version: Number(match[2]) } : undefined;
}

/** The wallet of a wallet item's or a lane shard's partition key (wallet ids never hold `#`). */
export const walletIdFromPk = (pk: string): string | undefined =>
  pk.startsWith('WALLET#') ? pk.slice('WALLET#'.length).split('#')[0] : undefined;

export const JOB_PK_PREFIX = 'JOB#';
export const jobPk = (jobId: string): string => `${JOB_PK_PREFIX}${jobId}`;
export const JOB_SK = 'JOB';
export const jobSegmentSk = (segment: number): string => `SEGMENT#${String(segment).padStart(3, '0')}`;
/**
 * The registry of unfinished job segments: one item per segment not done, written with the job and
 * deleted by the write that finishes the segment, so resuming reads these and not the table.
 */
export const JOBS_RUNNING_PK = 'JOBS#RUNNING';
export const runningSegmentSk = (jobId: string, segment: number): string =>
  `SEGMENT#${jobId}#${String(segment).padStart(3, '0')}`;
/** Present once the registry is complete: jobs created before it existed were found (by one Scan) and entered. */
export const JOBS_RUNNING_COMPLETE_SK = 'COMPLETE';

/** Every rule set lives in one partition: the active one (a copy, with its version) and each version. */
export const RULESET_PK = 'RULESET';
/** The card decision rules' versions: the same items as RULESET's, in a partition of their own. */
export const DECISION_RULES_PK = 'DECISIONRULES';
export const RULESET_ACTIVE_SK = 'ACTIVE';
export const ruleSetVersionSk = (version: number): string => `VERSION#${String(version).padStart(8, '0')}`;

/** The offer book: one partition per asset and status, sorted by price per unit (offer-item.ts). */
export const offerBookPk = (asset: string, status: string): string => `OFFERS#${asset}#${status}`;
export const offerBookSk = (unitPriceKey: string, offerId: string): string => `${unitPriceKey}#${offerId}`;

/** Holds with an expiry, one partition per minute of expiry (expiry-item.ts). */
export const EXPIRY_BUCKET_MS = 60_000;
export const expiryBucket = (atMs: number): number => Math.floor(atMs / EXPIRY_BUCKET_MS);
export const expiryPk = (bucket: number): string => `EXPIRY#${String(bucket).padStart(10, '0')}`;
export const expirySkPrefix = (expiresAtMs: number): string => String(expiresAtMs).padStart(15, '0');
export const expirySk = (expiresAtMs: number, walletId: string, holdId: string): string =>
  `${expirySkPrefix(expiresAtMs)}#${walletId}#${holdId}`;
export const EXPIRY_SWEEP_PK = 'EXPIRY';
export const EXPIRY_SWEEP_SK = 'SWEPT';
