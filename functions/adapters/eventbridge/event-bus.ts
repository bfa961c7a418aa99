import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { parseTraceparent, xrayTraceIdOf } from '#observability/trace-context.ts';
import {
  cloudEventJson,
  type EventBus,
  failedAll,
  type PublishedEvent,
  type PublishFailure,
} from '#ports/event-bus.ts';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_ENTRIES_MAX = 10;
/** …and at most 256 KB per entry (and per call), measured as EventBridge documents it. */
export const PUT_EVENTS_ENTRY_BYTES_MAX = 256 * 1024;
/** EventBridge counts a given `Time` as 14 bytes. */
const TIME_BYTES = 14;

/**
 * Entry error codes worth re-sending at once. Other codes (access denied after a bad deploy, a
 * detail EventBridge refuses) are still reported as retryable: the stream retries them and,
 * after its limit, its on-failure destination keeps the record, so no event is dropped silently.
 */
const RESEND_CODES = new Set(['InternalFailure', 'ThrottlingException', 'InternalException']);

/**
 * The size EventBridge charges an entry against the 256 KB limit: Source, DetailType, Detail and
 * Resources in UTF-8 bytes, plus 14 for a Time.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  const bytes = (value: string | undefined) => (value === undefined ? 0 : Buffer.byteLength(value, 'utf8'));
  return (
    (entry.Time === undefined ? 0 : TIME_BYTES) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

/**
 * One CloudEvent as an EventBridge entry: `source` and `type` become Source and DetailType (what
 * rules match on), and the Detail is the whole CloudEvent in the structured JSON format, so a
 * consumer gets `detail.id` to dedupe by and `detail.data` exactly as Tally wrote it.
 */
export function toPutEventsEntry(event: PublishedEvent, eventBusName: string): PutEventsRequestEntry {
  return {
    EventBusName: eventBusName,
    Source: event.source,
    DetailType: event.type,
    Time: new Date(event.time),
    Detail: cloudEventJson(event),
    ...xrayTraceHeader(event.traceparent),
  };
}

/**
 * The event's trace as EventBridge's X-Ray `TraceHeader`, so EventBridge passes the request's
 * trace on to its targets (a consumer Lambda's segment joins it). The CloudEvent's own
 * `traceparent` carries the same ids for consumers that read W3C trace context.
 */
function xrayTraceHeader(traceparent: string | undefined): { TraceHeader?: string } {
  const parsed = parseTraceparent(traceparent);
  if (parsed === undefined) return {};
  return {
    TraceHeader: `Root=${xrayTraceIdOf(parsed.traceId)};Parent=${parsed.spanId};Sampled=${parsed.sampled ? 1 : 0}`,
  };
}

export interface EventBridgeBusOptions {
  client: EventBridgeClient;
  /** The bus name or ARN (the stack creates the bus and passes its name). */
  eventBusName: string;
  /**
   * Attempts for entries EventBridge failed with a retryable code, within one `publish` (the SDK
   * already retries whole calls that fail). What still fails is reported for the stream to retry.
   * @default 3
   */
  entryAttemptsMax?: number;
  /** Pause before re-sending failed entries, doubled each attempt. @default 50 */
  retryBaseMs?: number;
}

/** EventBridge PutEvents as an EventBus: chunks of 10, the 256 KB limit checked before sending. */
export class EventBridgeBus implements EventBus {
  private readonly entryAttemptsMax: number;
  private readonly retryBaseMs: number;

  constructor(private readonly options: EventBridgeBusOptions) {
    this.entryAttemptsMax = Math.max(1, options.entryAttemptsMax ?? 3);
    this.retryBaseMs = options.retryBaseMs ?? 50;
  }

  async publish(events: readonly PublishedEvent[]) {
    const failed: PublishFailure[] = [];
    const sendable: Array<{ event: PublishedEvent; entry: PutEventsRequestEntry }> = [];
    for (const event of events) {
      const entry = toPutEventsEntry(event, this.options.eventBusName);
      const size = putEventsEntrySize(entry);
      if (size > PUT_EVENTS_ENTRY_BYTES_MAX) {
        failed.push({
          id: event.id,
          code: 'EntryTooLarge',
          message: `${size} bytes, more than EventBridge's ${PUT_EVENTS_ENTRY_BYTES_MAX}`,
          retryable: false,
        });
      } else {
        sendable.push({ event, entry });
      }
    }
    for (const chunk of chunks(sendable, PUT_EVENTS_ENTRIES_MAX)) {
      failed.push(...(await this.putChunk(chunk)));
    }
    return { failed };
  }

  /** Sends one chunk, re-sending the entries that failed with a transient code, a bounded number of times. */
  private async putChunk(chunk: Array<{ event: PublishedEvent; entry: PutEventsRequestEntry }>) {
    let pending = chunk;
    // Failures not re-sent here are final for this call; those re-sent count only on the last attempt.
    const settled: PublishFailure[] = [];
    let unsettled: PublishFailure[] = [];
    for (let attempt = 1; attempt <= this.entryAttemptsMax && pending.length > 0; attempt += 1) {
      if (attempt > 1) await sleepFor(this.retryBaseMs * 2 ** (attempt - 2));
      let results: PutEventsResultEntry[];
      try {
        const output = await this.options.client.send(
          new PutEventsCommand({ Entries: pending.map(({ entry }) => entry) }),
        );
        results = output.Entries ?? [];
      } catch (error) {
        // The SDK has already retried the call: what is pending is left to the stream's retry.
        return [
          ...settled,
          ...failedAll(
            pending.map(({ event }) => event),
            error,
          ),
        ];
      }
      unsettled = [];
      const resend: typeof pending = [];
      // Results come back in the order of the entries; a result with an EventId was taken.
      pending.forEach((item, index) => {
        const result = results[index];
        if (result?.EventId !== undefined && result.ErrorCode === undefined) return;
        const code = result?.ErrorCode ?? 'MissingResult';
        const failure = { id: item.event.id, code, message: result?.ErrorMessage ?? code, retryable: true };
        if (result === undefined || RESEND_CODES.has(code)) {
          unsettled.push(failure);
          resend.push(item);
        } else {
          settled.push(failure);
        }
      });
      pending = resend;
    }
    return [...settled, ...unsettled];
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
