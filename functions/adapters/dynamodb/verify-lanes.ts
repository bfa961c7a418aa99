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
  let events = 0;
  const heads = new Map<number, StreamHead>();
  for (const lane of lanes) {
    // With a head verified before, the walk starts at that event (its hash must still be the
    // one verified: a rewrite shows even at the head) and goes on from there.
    const start = from?.get(lane) ?? { version: 0, hash: '' };
    const firstVersion = Math.max(1, start.version);
    let expectedVersion = firstVersion;
    let prevHash = start.version > 0 ? undefined : '';
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
            ':from': eventSk(lane, firstVersion),
            ':to': eventSk(lane, VERSION_MAX),
          },
          ConsistentRead: true,
          Limit: READ_PAGE_SIZE,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        const broken = (reason: string): ChainWalk => ({
          ok: false,
          lane,
          version: expectedVersion,
          reason,
          eventsChecked: events,
        });
        // A schema path that fails to load throws here (an error of this process, not of the log).
        const event = await parsedEventItem(item);
        if (event === undefined) {
          return broken('the stored event does not parse (an attribute was edited or removed)');
        }
        if (event.version !== expectedVersion || event.lane !== lane) {
          return broken(
            `version ${expectedVersion} is missing (found lane ${event.lane} version ${event.version})`,
          );
        }
        const problem = chainProblem(event, prevHash, start);
        if (problem !== undefined) return broken(problem);
        prevHash = event.hash;
        heads.set(lane, { version: event.version, hash: event.hash });
        expectedVersion++;
        events++;
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
    if (prevHash === undefined) {
      return {
        ok: false,
        lane,
        version: start.version,
        reason: `version ${start.version}, verified before, is missing (the lane's tail was removed)`,
        eventsChecked: events,
      };
    }
    if (!heads.has(lane)) heads.set(lane, { version: 0, hash: '' });
  }
  return { ok: true, lanes: lanes.length, events, heads };
}
