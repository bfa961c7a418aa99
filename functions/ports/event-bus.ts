/**
 * The event bus Tally publishes to: EventBridge in AWS (plus an MSK topic for decisions when the
 * stack is given one), an in-process bus locally. What goes out is a CloudEvent 1.0.
 *
 * Publishing is driven by the event table's stream (the stream is the outbox), so a stream record
 * that is delivered again publishes the same event again, with the same `id`: a bus sees each id
 * at least once, and consumers dedupe by id.
 */

/** The media type of one CloudEvent in the structured JSON format (HTTP and Kafka bindings). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';

/** A CloudEvent 1.0 as Tally publishes it. */
export interface PublishedEvent {
  specversion: '1.0';
  /** Stable: derived from the stored event, so publishing it again gives the same id. */
  id: string;
  /** Who published it, e.g. `tally/prod`. */
  source: string;
  /** Reverse-DNS style, e.g. `tally.wallet.deposited`. */
  type: string;
  /** The wallet (or account) id: consumers key and order by it. */
  subject: string;
  /** RFC 3339: when Tally recorded the event. */
  time: string;
  datacontenttype: 'application/json';
  /**
   * The data as JSON text, not as a parsed value: amounts are exact decimal numbers (`120.5`)
   * and would pass through a float if they were parsed.
   */
  dataJson: string;
  /** W3C trace context of the request that caused the event, when it is known (distributed tracing extension). */
  traceparent?: string;
  /** Vendor trace state that goes with `traceparent` (same extension), when the request had one. */
  tracestate?: string;
}

/** One event a bus did not take. */
export interface PublishFailure {
  /** The CloudEvent id. */
  id: string;
  /** The bus's error code, e.g. `ThrottlingException`, `EntryTooLarge`. */
  code: string;
  message: string;
  /**
   * False when trying again cannot help (the event is too large for the bus): the caller reports
   * it instead of retrying it forever and blocking the stream behind it.
   */
  retryable: boolean;
}

/** What became of a `publish` call: every event not listed in `failed` was taken by the bus. */
export interface PublishOutcome {
  failed: PublishFailure[];
}

/** A bus that takes CloudEvents. */
export interface EventBus {
  /**
   * Publishes the events (any number; the adapter cuts them into the bus's own batch sizes).
   * Failures are reported per event, so a stream batch can retry only what failed. Rejects only
   * when nothing can be said about any event (a programming error); a bus outage is a failure of
   * every event, reported in the outcome.
   */
  publish(events: readonly PublishedEvent[]): Promise<PublishOutcome>;
}

/**
 * The event in the structured JSON format (`application/cloudevents+json`). `data` is spliced in
 * as the JSON text it is, so exact amounts stay exact on the wire.
 */
export function cloudEventJson(event: PublishedEvent): string {
  const attributes: Record<string, string> = {
    specversion: event.specversion,
    id: event.id,
    source: event.source,
    type: event.type,
    subject: event.subject,
    time: event.time,
    datacontenttype: event.datacontenttype,
  };
  if (event.traceparent !== undefined) attributes.traceparent = event.traceparent;
  if (event.tracestate !== undefined) attributes.tracestate = event.tracestate;
  const head = JSON.stringify(attributes);
  return `${head.slice(0, -1)},"data":${event.dataJson}}`;
}

/** Every event failed the same way, e.g. the bus could not be reached. */
export function failedAll(
  events: readonly PublishedEvent[],
  error: unknown,
  retryable = true,
): PublishFailure[] {
  const code = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return events.map((event) => ({ id: event.id, code, message, retryable }));
}
