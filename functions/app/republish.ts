import type { EventBus } from '#ports/event-bus.ts';
import type { RecordedEvents, WalletPageRequest } from '#ports/event-store.ts';
import type { JobChange, RepublishJobParams } from '#ports/jobs.ts';
import type { JobPageWork } from './jobs.ts';
import type { PublishOptions } from './publish.ts';
import { publishReadEvents } from './publish-stream.ts';

/**
 * The re-publish job's page: the events recorded in the job's window that one page of the walk
 * finds (decoded as every read of the store decodes them), handed to the outbox relay's own core
 * (publishReadEvents: the same CloudEvent mapping, bus call and failure handling, the same bus and
 * source), so each goes out as the byte-identical CloudEvent the relay published or would have,
 * with the same id. Consumers dedupe by id, so an event the relay did publish, or a page run
 * twice, costs a duplicate delivery and nothing else.
 */

/** Events handed to the bus at once: the relay's stream batch size, so each publish is one it could send. */
export const REPUBLISH_BATCH = 100;

export interface RepublishDeps extends PublishOptions {
  events: RecordedEvents;
  bus: EventBus;
}

/** Thrown when the bus did not take every event of a page: the page runs again (its message is retried). */
export class RepublishIncomplete extends Error {
  override readonly name = 'RepublishIncomplete';
}

export async function republishPage(
  deps: RepublishDeps,
  params: RepublishJobParams,
  request: WalletPageRequest,
): Promise<JobPageWork> {
  const page = await deps.events.recordedBetween({ ...request, fromMs: params.fromMs, toMs: params.toMs });
  let published = 0;
  let failed = 0;
  const changes: JobChange[] = [];
  for (let from = 0; from < page.events.length; from += REPUBLISH_BATCH) {
    const outcome = await publishReadEvents(deps, page.events.slice(from, from + REPUBLISH_BATCH));
    published += outcome.published;
    failed += outcome.failed.length;
    for (const { walletId, lane, version, failure } of outcome.rejected) {
      changes.push({
        walletId,
        lane,
        version,
        cloudEventId: failure.id,
        code: failure.code,
        reason: failure.message,
      });
    }
  }
  if (failed > 0) {
    throw new RepublishIncomplete(
      `${failed} of ${page.events.length} events were not taken by the bus: the page runs again`,
    );
  }
  return {
    counters: { events: page.events.length, scanned: page.scanned, published, rejected: changes.length },
    changes,
    nextCursor: page.nextCursor,
  };
}
