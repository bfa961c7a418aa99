/**
 * The wire formats handlers read through the composition root (composition/formats.ts and the
 * modules beside it): a module in a handler's graph brings its `import()`s and module-level zod
 * schemas with it, and esbuild moves what such a lazy chunk shares with the entry into the cold
 * start. When formats.ts re-exported the MSK record decoder and the jobs message, the events
 * queue's consumer and the stream projector carried the Kafka codec's chunk and, in their cold
 * starts, the jobs message and the zod schemas only those formats use (ingest-queue 3.4 KB,
 * project-streams 2.8 KB).
 */
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/wiring.ts';
import { functionBundle } from '../../support/function-bundles.ts';

/** The MSK record decoder and its protobuf codec (not the decisions producer, which publishers use). */
const MSK_DECODER = /^functions\/adapters\/kafka\/(msk-|cloudevent-proto)/;
const JOB_MESSAGE = 'functions/adapters/sqs/job-message.ts';
const JOBS_QUEUE = 'functions/adapters/sqs/jobs-queue.ts';

describe('the wire formats in the bundles', () => {
  it.each(FUNCTIONS.map((spec) => spec.name))(
    '%s holds the MSK record decoder only if it is the Kafka consumer',
    async (name) => {
      const { inputs } = await functionBundle(name);
      expect(inputs.some((input) => MSK_DECODER.test(input))).toBe(name === 'ingest-kafka');
    },
    120_000,
  );

  it.each(['ingest-queue', 'project-streams', 'publish-events', 'ingest-kafka'])(
    '%s reads no jobs message at its cold start',
    async (name) => {
      const { eagerInputs } = await functionBundle(name);
      expect(eagerInputs[JOB_MESSAGE] ?? 0).toBe(0);
    },
    120_000,
  );
});

describe('the jobs queue in the bundles', () => {
  // composition/sqs.ts is the chunk ingest loads with its first dead letter and the events API with
  // its first send: with the jobs queue in it, their cold starts carried the zod schemas of the
  // jobs message (events 97.2 -> 90.6 KB, ingest-queue 158.0 -> 156.4 KB when it left).
  it.each(['events', 'ingest-queue', 'ingest-kafka'])(
    '%s, which sends no job, bundles neither the jobs queue nor its message',
    async (name) => {
      const { inputs } = await functionBundle(name);
      expect(inputs).not.toContain(JOBS_QUEUE);
      expect(inputs).not.toContain(JOB_MESSAGE);
    },
    120_000,
  );

  it.each(['run-jobs', 'replay', 'backtest'])(
    '%s sends jobs: it bundles the queue, loaded with its first send',
    async (name) => {
      const { inputs, eagerInputs } = await functionBundle(name);
      expect(inputs).toContain(JOBS_QUEUE);
      expect(eagerInputs[JOBS_QUEUE] ?? 0).toBe(0);
    },
    120_000,
  );
});
