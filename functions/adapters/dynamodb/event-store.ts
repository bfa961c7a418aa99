import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventStore } from '#ports/event-store.ts';
import { appendGroup } from './append-group.ts';
import { appendGroups, findIdempotencies } from './append-groups.ts';
import type { AppendKinds } from './append-kinds.ts';
import { appendTogether } from './append-together.ts';
import { appendTogetherGroup } from './append-together-group.ts';
import { DynamoEventStoreBase } from './event-store-base.ts';
import { headAndLanes, tailAndLanes } from './head-and-lanes.ts';
import { writeTradingIndex } from './index-item-writers.ts';
import { readEventRefs } from './read-event-refs.ts';
import { registerFirst } from './register-first.ts';
import { withWalletAndHead } from './wallet-and-head.ts';

export { EVENTS_PER_APPEND_MAX, READ_PAGE_SIZE } from './event-store-base.ts';

/**
 * Every append kind, bundled eagerly: what a store that may be asked anything carries. The wallet
 * listing and the chain walk stay loaded on first use (no function that takes every store calls
 * them on its main path), and the slice-wide registry read is the checkpoint sweep's alone.
 */
export const ALL_APPEND_KINDS: Required<Omit<AppendKinds, 'scanWalletIds' | 'verifyLanes' | 'walletLanes'>> =
  {
    appendTogether,
    appendGroup,
    appendGroups,
    findIdempotencies,
    appendTogetherGroup,
    readEvents: readEventRefs,
    headAndLanes,
    tailAndLanes,
    registerFirst,
    indexItems: writeTradingIndex,
  };

/** The DynamoDB event store with every append kind (tests, benches, the CLI, the functions that use all). */
export class DynamoEventStore extends DynamoEventStoreBase {
  // Always present here: every kind is handed in.
  declare appendGroup: NonNullable<DynamoEventStoreBase['appendGroup']>;
  declare appendGroups: NonNullable<DynamoEventStoreBase['appendGroups']>;
  declare findIdempotencies: NonNullable<DynamoEventStoreBase['findIdempotencies']>;
  declare appendTogetherGroup: NonNullable<DynamoEventStoreBase['appendTogetherGroup']>;
  declare readEvents: NonNullable<DynamoEventStoreBase['readEvents']>;
  declare headAndLanes: NonNullable<DynamoEventStoreBase['headAndLanes']>;
  declare tailAndLanes: NonNullable<DynamoEventStoreBase['tailAndLanes']>;
  declare walletAndHead: NonNullable<EventStore['walletAndHead']>;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    super(client, tableName, ALL_APPEND_KINDS);
    withWalletAndHead(this);
  }
}
