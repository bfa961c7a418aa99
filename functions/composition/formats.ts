/**
 * The wire formats the queue and stream handlers decode, as the adapters define them: how a jobs
 * message, a FIFO queue ARN, an MSK record and a stream record's keys are read. Handlers reach
 * adapters only through the composition root, so they find these here.
 */

export { eventRefFromSk, laneFromEventSk, walletIdFromPk } from '#adapters/dynamodb/table-layout/keys.ts';
export {
  decodeRecord,
  mskEventSchema,
  type PartitionRecord,
  recordsByPartition,
} from '#adapters/kafka/msk-record.ts';
export { isFifoQueue } from '#adapters/sqs/fifo.ts';
export { parseJobMessage } from '#adapters/sqs/job-message.ts';
