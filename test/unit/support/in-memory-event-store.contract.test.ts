import { eventStoreContract } from '../../contract/event-store.contract.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/** The fake the unit tests build on passes the same contract as the DynamoDB adapter. */
const pageSize = 7;
eventStoreContract('InMemoryEventStore', { store: () => new InMemoryEventStore({ pageSize }), pageSize });
