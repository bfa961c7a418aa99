import {
  type AppendGroupOutcome,
  type AppendGroupRequest,
  type AppendGroupsResult,
  type IdempotencyRecord,
  isVersionConflict,
} from '#ports/event-store.ts';

/**
 * EventStore.appendGroups for a store that has appendGroup, one group after another: what the
 * DynamoDB adapter (append-groups.ts) answers when nothing fails but the groups themselves. A group
 * whose key is used or whose head moved is `failed` and nothing of it is written; the others are
 * written. The same refusals: one wallet or one key twice.
 */
export async function appendGroupsInTurn(
  store: { appendGroup(request: AppendGroupRequest): Promise<AppendGroupOutcome> },
  requests: readonly AppendGroupRequest[],
): Promise<AppendGroupsResult[]> {
  const wallets = requests.map((request) => request.walletId);
  const keys = requests.flatMap((request) => request.parts.flatMap((part) => part.idempotency?.key ?? []));
  if (new Set(wallets).size !== wallets.length) throw new Error('appendGroups: one wallet twice');
  if (new Set(keys).size !== keys.length) throw new Error('appendGroups: one key twice');
  const results: AppendGroupsResult[] = [];
  for (const request of requests) {
    try {
      const outcome = await store.appendGroup(request);
      results.push(
        outcome.kind === 'appended'
          ? { kind: 'appended', parts: outcome.parts, head: outcome.head }
          : { kind: 'failed', reason: 'condition', taken: outcome.taken },
      );
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      results.push({ kind: 'failed', reason: 'condition' });
    }
  }
  return results;
}

/** EventStore.findIdempotencies over a store's own key map (copies, as findIdempotency hands out). */
export function findEach(
  keys: ReadonlyMap<string, IdempotencyRecord>,
  asked: readonly string[],
): Promise<Map<string, IdempotencyRecord>> {
  const found = new Map<string, IdempotencyRecord>();
  for (const key of asked) {
    const record = keys.get(key);
    if (record !== undefined) found.set(key, structuredClone(record));
  }
  return Promise.resolve(found);
}
