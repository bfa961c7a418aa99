import type { FunctionSpec } from '#lib/wiring.ts';
import { handlerLoader, type LambdaHandler } from './lambda.ts';
import type { QueueConsumer } from './queue-poller.ts';
import type { ScheduleConsumer } from './schedule-timers.ts';
import type { StreamConsumer } from './stream-poller.ts';

/** The functions of the wiring table as the local runtime invokes them: loaded once, wrapped once. */
export function localHandlerLoader(
  repoRoot: string,
  wrap: ((spec: FunctionSpec, handler: LambdaHandler) => LambdaHandler) | undefined,
  /** Handlers run instead of an entry's `handler`, by function name (the publisher's local bus). */
  overrides: ReadonlyMap<string, LambdaHandler> = new Map(),
): (spec: FunctionSpec) => Promise<LambdaHandler> {
  const loadFile = handlerLoader(repoRoot);
  const loadEntry = (spec: FunctionSpec): Promise<LambdaHandler> => {
    const override = overrides.get(spec.name);
    return override === undefined ? loadFile(spec) : Promise.resolve(override);
  };
  if (wrap === undefined) return loadEntry;
  const wrapped = new Map<string, Promise<LambdaHandler>>();
  return (spec) => {
    let handler = wrapped.get(spec.name);
    if (handler === undefined) {
      handler = loadEntry(spec).then((loaded) => wrap(spec, loaded));
      handler.catch(() => wrapped.delete(spec.name));
      wrapped.set(spec.name, handler);
    }
    return handler;
  };
}

export interface TriggerConsumers {
  stream: StreamConsumer[];
  eventsQueue: QueueConsumer[];
  jobsQueue: QueueConsumer[];
  schedule: ScheduleConsumer[];
}

/**
 * Every trigger of the wiring table with its loaded handler. Loading them all now surfaces an
 * import error at start-up, not on the first request.
 */
export async function triggerConsumers(
  functions: readonly FunctionSpec[],
  loadHandler: (spec: FunctionSpec) => Promise<LambdaHandler>,
): Promise<TriggerConsumers> {
  const consumers: TriggerConsumers = { stream: [], eventsQueue: [], jobsQueue: [], schedule: [] };
  for (const spec of functions) {
    const handler = await loadHandler(spec);
    for (const trigger of spec.triggers ?? []) {
      if (trigger.kind === 'table-stream') consumers.stream.push({ spec, trigger, handler });
      if (trigger.kind === 'events-queue') consumers.eventsQueue.push({ spec, trigger, handler });
      if (trigger.kind === 'jobs-queue') consumers.jobsQueue.push({ spec, trigger, handler });
      if (trigger.kind === 'schedule') consumers.schedule.push({ spec, trigger, handler });
      // 'kafka': no broker runs locally; tests feed MSK-shaped events to the handler directly.
    }
  }
  return consumers;
}
