/**
 * How a jobs-queue message is read (adapters/sqs/job-message.ts): for the job runner, apart from
 * formats.ts, so that a handler that needs only a FIFO queue's name or a stream's keys does not
 * hold the message's schema.
 */

export { parseJobMessage } from '#adapters/sqs/job-message.ts';
