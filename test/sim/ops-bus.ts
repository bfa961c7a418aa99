import { sha256Hex } from '#adapters/dynamodb/event-hash.ts';
import { scopedKey } from '#app/idempotency.ts';
import type { JobMessage } from '#ports/jobs.ts';
import { isInjected, type StreamRecord } from './faults.ts';
import { observeIngest, takeLostAnswers } from './model.ts';
import { CARD_ACCOUNTS } from './model-cards.ts';
import type { CloudEvent, IngestAnswer } from './system.ts';
import { payloadOf, type World } from './world.ts';

/**
 * Consumers of the at-least-once channels: the ingest Lambda on the queue, the projector on the
 * stream, the jobs Lambda on the jobs queue. A delivery that fails leaves its records for a later one.
 */

/**
 * Ingest takes a batch off the queue and ingests it together (app/ingest-batch.ts: one
 * cross-wallet group append when the store has it, event by event otherwise); a message that
 * failed is delivered again later. A commit whose answer was lost belongs to the message whose key
 * it wrote.
 */
export async function deliverQueue(world: World, max: number, instance: number): Promise<void> {
  const messages = world.queue.take(max);
  if (messages.length === 0) return;
  for (const message of messages) world.touched.add(message.event.subject);
  let answers: (IngestAnswer | undefined)[] = [];
  try {
    answers = await world.system.ingestBatch(
      instance,
      world.ids(`q${world.callCount++}`),
      messages.map((message) => message.event),
    );
  } catch (error) {
    if (!isInjected(error)) throw error;
  }
  let lost = takeLostAnswers(world);
  for (const [index, message] of messages.entries()) {
    const key = scopedKey('event', message.event.source, message.event.id);
    const answer = answers[index];
    // Each lost commit to the message whose payload it wrote: twins in one batch share the key and
    // only one of them took effect, not always the first (a reused id may name another wallet or
    // type, or only other data, and the batch may commit that one).
    const mine = lost.filter(
      (one) =>
        one.request.idempotency?.key === key &&
        one.request.idempotency.payloadHash === payloadHashOf(message.event),
    );
    lost = lost.filter((one) => !mine.includes(one));
    observeIngest(world, message.event, answer, mine);
    if (answer === undefined || answer.kind === 'contended') world.queue.requeue([message]);
  }
}

/** The payload hash ingest gives a CloudEvent's key (app/ingest.ts planIngest), from the model's payload. */
const payloadHashOf = (event: CloudEvent): string => sha256Hex(payloadOf(event));

/** The projector takes a batch of doorbells: one projection per wallet named, with the lanes that rang. */
export async function deliverStream(world: World, max: number, instance: number): Promise<void> {
  const batch = world.stream.take(max);
  const byWallet = new Map<string, StreamRecord[]>();
  for (const record of batch)
    byWallet.set(record.walletId, [...(byWallet.get(record.walletId) ?? []), record]);
  for (const [walletId, records] of byWallet) {
    world.touched.add(walletId);
    try {
      await world.projector(world, instance, walletId, records);
    } catch (error) {
      // A partial batch failure: this wallet's records come again (whatever the error was; a
      // projector that can never succeed shows up as a stream that never drains).
      world.lastProjectionError = error instanceof Error ? error.message : String(error);
      world.stream.requeue(records);
    }
  }
}

const JOB_DELIVERIES_MAX = 5_000;

/**
 * A replay job over every wallet, its pages delivered at least once: a page may be killed part way
 * (and delivered again as a redelivery) or sent twice. Ends with the job's report checked.
 */
export async function runReplayJob(world: World): Promise<void> {
  // Card accounts are wallets to the store: the job replays them too.
  const walletsWithEvents = [...world.walletIds, ...CARD_ACCOUNTS].filter(
    (walletId) => world.log(walletId).length > 0,
  );
  // The store lists wallets by their lane-0 event (EventStore.walletIds); one whose events all went
  // to other lanes (its first append lost a TransactionConflict) is not listed.
  const listed = walletsWithEvents.filter((walletId) =>
    world.log(walletId).some((event) => event.lane === 0),
  );
  let jobId: string | undefined;
  for (let attempt = 0; attempt < 4 && jobId === undefined; attempt++) {
    try {
      jobId = await world.system.startReplayJob(world.ids(`j${attempt}`));
    } catch (error) {
      if (!isInjected(error)) throw error;
    }
  }
  if (jobId === undefined) return;
  const queue: { message: JobMessage; redelivered: boolean }[] = [];
  const collect = () => {
    for (let message = world.jobQueue.take(); message !== undefined; message = world.jobQueue.take()) {
      queue.push({ message, redelivered: false });
    }
  };
  collect();
  let deliveries = 0;
  while (queue.length > 0) {
    if (++deliveries > JOB_DELIVERIES_MAX) {
      world.violation(
        'job-finishes',
        `replay job ${jobId} still had ${queue.length} messages after ${JOB_DELIVERIES_MAX} deliveries`,
      );
      return;
    }
    const rng = world.faults.random;
    const index =
      rng !== undefined && world.faults.roll('job-reorder', world.faults.rates.reorder)
        ? rng.int(0, queue.length - 1)
        : 0;
    const [next] = queue.splice(index, 1);
    if (next === undefined) break;
    if (world.faults.roll('job-duplicate', world.faults.rates.duplicate))
      queue.push({ message: next.message, redelivered: false });
    world.faults.inJob = true;
    try {
      const outcome = await world.system.runJobPage(next.message, next.redelivered);
      if (outcome === 'not-ready') queue.push({ message: next.message, redelivered: true });
    } catch (error) {
      if (!isInjected(error)) throw error;
      queue.push({ message: next.message, redelivered: true });
    } finally {
      world.faults.inJob = false;
    }
    collect();
  }
  for (const walletId of world.walletIds) world.touched.add(walletId);
  const report = await world.system.jobReport(jobId);
  if (report?.status !== 'done') {
    world.violation(
      'job-finishes',
      `replay job ${jobId} is ${report?.status ?? 'missing'} with its queue empty`,
    );
  } else if (report.counters.wallets !== listed.length) {
    world.violation(
      'job-counts-each-wallet-once',
      `replay job ${jobId} counted ${report.counters.wallets} wallets; the store lists ${listed.length}`,
    );
  } else if (listed.length < walletsWithEvents.length) {
    const missed = walletsWithEvents.filter((walletId) => !listed.includes(walletId));
    world.violation(
      'job-reaches-every-wallet',
      `replay job ${jobId} skipped ${missed.join(', ')}: events, but none in lane 0 (lanes ${[...new Set(world.log(missed[0] as string).map((e) => e.lane))].join(', ')})`,
    );
  }
}

const DRAIN_ROUNDS_MAX = 2_000;

/** Delivers everything pending, with no faults, until every channel is empty (or reports that it never is). */
export async function drain(world: World): Promise<void> {
  world.faults.disarm();
  for (let round = 0; world.queue.pending.length > 0 || world.stream.pending.length > 0; round++) {
    if (round >= DRAIN_ROUNDS_MAX) {
      world.violation(
        'channels-drain',
        `after ${round} fault-free deliveries ${world.queue.pending.length} queue and ${world.stream.pending.length} stream records are left; last projector error: ${world.lastProjectionError ?? 'none'}`,
      );
      world.queue.pending = [];
      world.stream.pending = [];
      return;
    }
    await deliverQueue(world, 10, 0);
    await deliverStream(world, 100, 10);
  }
}
