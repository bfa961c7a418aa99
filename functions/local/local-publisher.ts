import { storedEventKeyFromStreamKeys } from '#adapters/dynamodb/stream-keys.ts';
import { type LocalEventBus, localEventBusFromEnv } from '#adapters/local/event-bus.ts';
import { jobDeps } from '#composition/jobs.ts';
import { storesFromEnv } from '#composition/lambda.ts';
import { makePublishEventsHandler } from '#handlers/publish-events.ts';
import { makeRunJobsHandler } from '#handlers/run-jobs.ts';
import type { FunctionSpec } from '#lib/wiring.ts';
import type { LambdaHandler } from './lambda.ts';

/** The CloudEvent `source` of events published by the local runtime. */
export const LOCAL_EVENTS_SOURCE = 'tally/local';

/** The local runtime's one bus, forwarding to `TALLY_EVENTS_WEBHOOK` when set (a give-up is logged). */
export function localEventBus(env: NodeJS.ProcessEnv, log: (line: string) => void): LocalEventBus {
  return localEventBusFromEnv(env, (event, reason) =>
    log(`TALLY_EVENTS_WEBHOOK did not take event ${event.id} (${event.type}): ${reason}`),
  );
}

/**
 * Handlers the local runtime runs instead of a wiring entry's default `handler`: publish-events's
 * default builds an EventBridge client; locally the same handler publishes to the in-process bus,
 * and so do run-jobs's re-publish pages.
 * Keyed by what a spec publishes, so a renamed function keeps its local bus.
 */
export function localHandlerOverrides(
  functions: readonly FunctionSpec[],
  bus: LocalEventBus,
): Map<string, LambdaHandler> {
  const overrides = new Map<string, LambdaHandler>();
  for (const spec of functions) {
    if (spec.republishesEvents === true) {
      // The job runner's re-publish pages go to the same local bus, with the same source.
      const runJobs = makeRunJobsHandler(() => jobDeps(() => ({ bus, source: LOCAL_EVENTS_SOURCE })));
      overrides.set(spec.name, runJobs as LambdaHandler);
      continue;
    }
    if (spec.publishesEvents !== true) continue;
    const handler = makePublishEventsHandler(async () => ({
      events: storesFromEnv().events,
      bus,
      source: LOCAL_EVENTS_SOURCE,
      keyOf: storedEventKeyFromStreamKeys,
    }));
    overrides.set(spec.name, handler as LambdaHandler);
  }
  return overrides;
}
