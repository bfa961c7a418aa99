import { type StatementLine, statementOf } from '#domain/card/statement-lines.ts';
import type { EventStore } from '#ports/event-store.ts';
import { readAll } from '../read-events.ts';

/**
 * A card account's statement at `nowMs` (account.ts accountNow's reading): lane 0 read whole, the
 * account's story. In a module of its own: the accounts function loads it with the first
 * statement it lists (handlers/account-reads.ts), not at a cold start that reads a balance.
 */
export const statementNow = async (
  store: EventStore,
  accountId: string,
  nowMs: number,
): Promise<StatementLine[]> => statementOf(await readAll(store, accountId, 0), nowMs);
