/**
 * How an MSK record is read (adapters/kafka/msk-record.ts): for the Kafka consumer only, apart from
 * formats.ts, so that no other handler's graph holds the record decoder and its lazy codec.
 */

export {
  decodeRecord,
  type PartitionRecord,
  parseMskEvent,
  recordsByPartition,
} from '#adapters/kafka/msk-record.ts';
