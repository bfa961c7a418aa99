import { describe } from 'vitest';
import { appendContract } from './event-store/append.ts';
import { appendGroupsContract } from './event-store/append-groups.ts';
import { appendTogetherContract } from './event-store/append-together.ts';
import { idempotencyContract } from './event-store/idempotency.ts';
import { contractKit, type EventStoreContractOptions } from './event-store/kit.ts';
import { readEventsContract } from './event-store/read-events.ts';
import { readsContract } from './event-store/reads.ts';
import { verifyContract } from './event-store/verify.ts';

export type { EventStoreContractOptions } from './event-store/kit.ts';

/**
 * The EventStore port's behaviour, written once and run against every implementation: the
 * in-memory store the unit tests build on (test/unit/support) and the DynamoDB adapter on
 * DynamoDB Local (test/integration). If the fake passes what the real store passes, tests built
 * on the fake say something about production.
 *
 * Stores may be shared between tests (one DynamoDB table per file): every test uses wallets and
 * idempotency keys of its own.
 */
export function eventStoreContract(name: string, options: EventStoreContractOptions): void {
  const kit = contractKit(options);
  describe(`EventStore contract: ${name}`, () => {
    readsContract(kit);
    readEventsContract(kit);
    appendContract(kit);
    idempotencyContract(kit);
    appendTogetherContract(kit);
    appendGroupsContract(kit);
    verifyContract(kit);
  });
}
