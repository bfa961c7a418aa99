/**
 * The wire formats the queue and stream handlers decode, as the adapters define them: a FIFO
 * queue's ARN and a stream record's keys. Handlers reach adapters only through the composition
 * root, so they find these here; the formats read with a schema (MSK records, jobs messages) are in
 * modules of their own (kafka-formats.ts, job-formats.ts). A module in a handler's graph brings its
 * `import()`s and zod schemas with it: when this one re-exported the MSK record decoder, the events
 * queue's consumer carried the Kafka codec's lazy chunk, and esbuild moved what that chunk shares
 * with the entry (zod's union and number schemas, the jobs message) into its cold start (3.4 KB).
 */

export { eventRefFromSk, laneFromEventSk, walletIdFromPk } from '#adapters/dynamodb/table-layout/keys.ts';
export { isFifoQueue } from '#adapters/sqs/fifo.ts';
