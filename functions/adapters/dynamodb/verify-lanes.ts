import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChainWalk, StreamHead } from '#ports/event-store.ts';
import { chainProblem } from './chain-check.ts';
import { READ_PAGE_SIZE } from './query-events.ts';
import { parsedEventItem } from './table-layout/event-item.ts';
import { eventSk, lanePk, VERSION_MAX } from './table-layout/keys.ts';

/**
 * EventStore.verify on DynamoDB: walks each lane's hash chain from version 1, or from a head
 * verified before (`from`), page by page, stopping at the first broken link. Intact, it reports
 * the head each lane ended at: the last event it read.
 */
export async function verifyLanes(
  client: DynamoDBDocumentClient,
  tableName: string,
  walletId: string,
  lanes: readonly number[],
  from?: ReadonlyMap<number, StreamHead>,
): Promise<ChainWalk> {
  const walked: Walked = { events: 0, heads: new Map() };
  for (const lane of lanes) {
    const walk = new LaneWalk(lane, from?.get(lane), walked);
    let startKey: Record<string, unknown> | undefined;
    do {
      // A sort-key range from the first unverified version: an incremental verify reads only
      // what was appended since.
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': lanePk(walletId, lane),
            // Fixed for the whole walk: a later page's start key must match the same condition.
            ':from': walk.range.from,
            ':to': walk.range.to,
          },
          ConsistentRead: true,
          Limit: READ_PAGE_SIZE,
          ExclusiveStartKey: startKey,
        }),
      );
      const broken = await walk.next(result.Items ?? []);
      if (broken !== undefined) return broken;
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
    const broken = walk.end();
    if (broken !== undefined) return broken;
  }
  return { ok: true, lanes: lanes.length, events: walked.events, heads: walked.heads };
}

/**
 * `verifyLanes` of one lane over items already read (the checkpoint sweep's Scan page, which reads
 * a wallet's partition in sort-key order): of `items`, the walk takes exactly those the Query of
 * `verifyLanes` would answer (the lane's partition and sort-key range from `from`'s version), in
 * the order given, and judges them as that walk does. `items` must hold every item of that range
 * as one read found it: the caller answers only for a partition the read covered whole.
 */
export async function walkLaneItems(
  walletId: string,
  lane: number,
  items: readonly Record<string, unknown>[],
  from: StreamHead | undefined,
): Promise<ChainWalk> {
  const walked: Walked = { events: 0, heads: new Map() };
  const walk = new LaneWalk(lane, from, walked);
  const pk = lanePk(walletId, lane);
  const { range } = walk;
  const inRange = items.filter(({ pk: itemPk, sk }) => {
    if (itemPk !== pk || typeof sk !== 'string') return false;
    return sk >= range.from && sk <= range.to;
  });
  const broken = (await walk.next(inRange)) ?? walk.end();
  return broken ?? { ok: true, lanes: 1, events: walked.events, heads: walked.heads };
}

/** What a walk over lanes has read so far: the events it checked, the head each lane reached. */
interface Walked {
  events: number;
  heads: Map<number, StreamHead>;
}

type Broken = Extract<ChainWalk, { ok: false }>;

/** One lane's walk, handed its items in version order (a page at a time), stopping at the first broken link. */
class LaneWalk {
  /** The sort-key range the walk reads (from the first unverified version). */
  readonly range: { from: string; to: string };
  private readonly start: StreamHead;
  private expectedVersion: number;
  private prevHash: string | undefined;

  constructor(
    private readonly lane: number,
    from: StreamHead | undefined,
    private readonly walked: Walked,
  ) {
    // With a head verified before, the walk starts at that event (its hash must still be the
    // one verified: a rewrite shows even at the head) and goes on from there.
    this.start = from ?? { version: 0, hash: '' };
    this.expectedVersion = Math.max(1, this.start.version);
    this.prevHash = this.start.version > 0 ? undefined : '';
    this.range = { from: eventSk(lane, this.expectedVersion), to: eventSk(lane, VERSION_MAX) };
  }

  /** The lane's next items: the first broken link among them, or undefined. */
  async next(items: readonly Record<string, unknown>[]): Promise<Broken | undefined> {
    const { lane, walked } = this;
    for (const item of items) {
      // A schema path that fails to load throws here (an error of this process, not of the log).
      const event = await parsedEventItem(item);
      if (event === undefined) {
        return this.broken('the stored event does not parse (an attribute was edited or removed)');
      }
      if (event.version !== this.expectedVersion || event.lane !== lane) {
        return this.broken(
          `version ${this.expectedVersion} is missing (found lane ${event.lane} version ${event.version})`,
        );
      }
      const problem = chainProblem(event, this.prevHash, this.start);
      if (problem !== undefined) return this.broken(problem);
      this.prevHash = event.hash;
      walked.heads.set(lane, { version: event.version, hash: event.hash });
      this.expectedVersion++;
      walked.events++;
    }
    return undefined;
  }

  /** The lane read to its end: broken when the head verified before was not reached. */
  end(): Broken | undefined {
    const { lane, start, walked } = this;
    if (this.prevHash === undefined) {
      return {
        ok: false,
        lane,
        version: start.version,
        reason: `version ${start.version}, verified before, is missing (the lane's tail was removed)`,
        eventsChecked: walked.events,
      };
    }
    if (!walked.heads.has(lane)) walked.heads.set(lane, { version: 0, hash: '' });
    return undefined;
  }

  private broken(reason: string): Broken {
    const { lane, expectedVersion: version, walked } = this;
    return { ok: false, lane, version, reason, eventsChecked: walked.events };
  }
}
