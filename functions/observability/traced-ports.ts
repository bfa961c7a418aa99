import type { RecordedEvent } from '#domain/wallet.ts';
import type { EventBus, PublishedEvent } from '#ports/event-bus.ts';
import type {
  AppendGroupRequest,
  AppendRequest,
  AppendTogetherGroupRequest,
  AppendTogetherRequest,
  EventStore,
  NewEvent,
} from '#ports/event-store.ts';
import type { TraceContext } from '#ports/tracing.ts';
import { cloudEventTraceContext } from './trace-context.ts';
import { tracing } from './tracing.ts';

/**
 * Spans around the ports a request goes through, added by the composition root around the real
 * adapters, so the use cases and the adapters stay as they are.
 */

/** A stored event with the trace context of the request that wrote it (an item attribute, outside the hash). */
export type TracedEvent = RecordedEvent & { traceparent?: string; tracestate?: string };

/**
 * The events with the active span's context, so the projector and publisher continue this trace.
 * An event that carries a context already keeps it.
 */
function stamped(events: readonly NewEvent[], context: TraceContext | undefined): NewEvent[] {
  if (context === undefined) return [...events];
  return events.map((event) =>
    'traceparent' in event && event.traceparent ? event : { ...event, ...context },
  );
}

/**
 * The event store with a span around each append (`event-store append`); the events written carry
 * that span's context. Every other method is the store's own.
 */
export function tracedEventStore<S extends EventStore>(store: S): S {
  const append = (request: AppendRequest) =>
    tracing().span(
      'event-store append',
      {
        attributes: {
          'tally.wallet_id': request.walletId,
          'tally.lane': request.lane,
          'tally.events': request.events.length,
        },
      },
      () => store.append({ ...request, events: stamped(request.events, tracing().current()) }),
    );
  const appendTogether = (request: AppendTogetherRequest) =>
    tracing().span(
      'event-store append-together',
      { attributes: { 'tally.wallets': request.appends.map((each) => each.walletId).join(',') } },
      () => {
        const context = tracing().current();
        return store.appendTogether({
          ...request,
          appends: request.appends.map((each) => ({ ...each, events: stamped(each.events, context) })),
        });
      },
    );
  // Group commit (app/group-commit*.ts): one transaction for several requests' commands, written in
  // the span of the request whose turn flushed the batch; its events carry that request's trace.
  const appendGroup = (request: AppendGroupRequest) =>
    tracing().span(
      'event-store append-group',
      {
        attributes: {
          'tally.wallet_id': request.walletId,
          'tally.lane': request.lane,
          'tally.parts': request.parts.length,
        },
      },
      () => {
        const context = tracing().current();
        return (store.appendGroup as NonNullable<EventStore['appendGroup']>).call(store, {
          ...request,
          parts: request.parts.map((part) => ({ ...part, events: stamped(part.events, context) })),
        });
      },
    );
  const appendTogetherGroup = (request: AppendTogetherGroupRequest) =>
    tracing().span(
      'event-store append-together-group',
      { attributes: { 'tally.parts': request.parts.length } },
      () => {
        const context = tracing().current();
        return (store.appendTogetherGroup as NonNullable<EventStore['appendTogetherGroup']>).call(store, {
          ...request,
          parts: request.parts.map((part) => ({
            ...part,
            events: part.events.map((each) => ({ ...each, events: stamped(each.events, context) })),
          })),
        });
      },
    );
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') return append;
      if (property === 'appendTogether') return appendTogether;
      if (property === 'appendGroup' && store.appendGroup !== undefined) return appendGroup;
      if (property === 'appendTogetherGroup' && store.appendTogetherGroup !== undefined)
        return appendTogetherGroup;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** How many distinct traces a projection is recorded in, at most: the newest events' requests. */
const PROJECTION_TRACES_MAX = 8;

/**
 * The event store as the projector reads it, noting the trace contexts of the events it reads, so
 * the projection can be recorded in the traces of the requests whose events it folded.
 */
export function traceReads(store: EventStore): {
  store: EventStore;
  contexts(): TraceContext[];
  /** Notes events the projector read before, for the whole batch (app/projection-batch.ts). */
  note(events: readonly TracedEvent[]): void;
} {
  const seen = new Map<string, TraceContext>();
  const note = (events: readonly TracedEvent[]) => {
    for (const event of events) {
      const context = cloudEventTraceContext(event);
      if (context === undefined) continue;
      seen.delete(context.traceparent);
      seen.set(context.traceparent, context);
      // A rebuilt view reads the whole log: only the newest events' traces are this projection's.
      if (seen.size > PROJECTION_TRACES_MAX) seen.delete(seen.keys().next().value as string);
    }
  };
  const read: EventStore['read'] = async function* (walletId, lane, range) {
    for await (const page of store.read(walletId, lane, range)) {
      note(page);
      yield page;
    }
  };
  const readWallet =
    store.readWallet === undefined
      ? undefined
      : async (walletId: string) => {
          const events = (await store.readWallet?.(walletId)) ?? [];
          note(events);
          return events;
        };
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'read') return read;
      if (property === 'readWallet') return readWallet;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, contexts: () => [...seen.values()], note };
}

/**
 * Runs a batch step (`work`) and records it as `name` in the trace of each context it served:
 * the projection of a wallet, the publication of a batch.
 */
export async function recordedIn<T>(
  name: string,
  contexts: () => readonly TraceContext[],
  attributes: Record<string, string | number | boolean | undefined>,
  work: () => Promise<T>,
  kind: 'internal' | 'producer' = 'internal',
): Promise<T> {
  const startMs = Date.now();
  let failed = false;
  try {
    return await work();
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    const parents = contexts();
    if (parents.length > 0)
      tracing().record(name, { startMs, endMs: Date.now(), parents, attributes, kind, failed });
  }
}

/** The bus with a `publish` span in the trace of each request whose events it published. */
export function tracedBus(bus: EventBus): EventBus {
  return {
    publish: (events: readonly PublishedEvent[]) =>
      recordedIn(
        'publish',
        () => distinctContexts(events),
        {
          'tally.events': events.length,
          'cloudevents.event_type': [...new Set(events.map((e) => e.type))].join(','),
        },
        () => bus.publish(events),
        'producer',
      ),
  };
}

function distinctContexts(events: readonly PublishedEvent[]): TraceContext[] {
  const contexts = new Map<string, TraceContext>();
  for (const event of events) {
    const context = cloudEventTraceContext(event);
    if (context !== undefined) contexts.set(context.traceparent, context);
  }
  return [...contexts.values()];
}

/**
 * A CloudEvent about to be queued (`POST /events`) with the request's trace context, unless it
 * carries its own (the producer's, which the consumer then joins): the queue consumer continues it.
 */
export function withRequestTrace(event: unknown): unknown {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return event;
  if (cloudEventTraceContext(event) !== undefined) return event;
  const context = tracing().current();
  return context === undefined ? event : { ...event, ...context };
}
