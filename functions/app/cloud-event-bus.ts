/**
 * CloudEvents modes on a message bus (SQS, and Kafka batches): one message → the candidate events it
 * carries, not yet validated (ingest-message.ts validates each with the one schema every way in uses).
 *
 * - binary: the attributes as `ce_<name>` (the Kafka binding's spelling) or `ce-<name>` (the HTTP
 *   binding's, as an SDK's binary headers copied into SQS message attributes) message attributes,
 *   the data as the body, its type in a `content-type` attribute;
 * - structured: the body is one event's JSON (`content-type: application/cloudevents+json`, or no
 *   content type at all: what the events queue has always carried);
 * - batch: the body is a JSON array of events (`application/cloudevents-batch+json`; an array under
 *   the structured or no content type is taken as a batch too, as `POST /events` does).
 *
 * A message that cannot be read at all gets one problem; a readable batch gives one candidate per
 * event, so each event is ingested or dead-lettered on its own.
 */

export const STRUCTURED_MEDIA = 'application/cloudevents+json';
export const BATCH_MEDIA = 'application/cloudevents-batch+json';

export type BusMode = 'binary' | 'structured' | 'batch';

export type BusDecoded =
  | { ok: true; mode: BusMode; events: unknown[] }
  | {
      ok: false;
      code: 'malformed-json' | 'invalid-batch' | 'undecodable';
      reason: string;
      eventId?: string;
    };

/** The media type of a content type, without parameters, lower case. */
export const mediaTypeOf = (contentType: string): string =>
  (contentType.split(';')[0] ?? '').trim().toLowerCase();

/** JSON media types: `application/json`, `text/json` and any `+json` suffix. */
export const isJsonMedia = (contentType: string): boolean => {
  const media = mediaTypeOf(contentType);
  return media === 'application/json' || media === 'text/json' || media.endsWith('+json');
};

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false; reason: string } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, reason: error instanceof SyntaxError ? error.message : 'unreadable' };
  }
};

/** The `ce_`/`ce-` attributes of a message, by attribute name (lower case, prefix removed). */
export function ceAttributes(attributes: ReadonlyMap<string, string>): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of attributes) {
    const lower = name.toLowerCase();
    if ((lower.startsWith('ce_') || lower.startsWith('ce-')) && lower.length > 3)
      found.set(lower.slice(3), value);
  }
  return found;
}

/**
 * A bus message → its events. `attributes` are the message attributes (SQS) or headers (Kafka) as
 * text, by name as sent; names are matched without regard to case.
 */
export function decodeBusMessage(attributes: ReadonlyMap<string, string>, body: string): BusDecoded {
  const lowered = new Map([...attributes].map(([name, value]) => [name.toLowerCase(), value]));
  const contentType = lowered.get('content-type');
  const media = contentType === undefined ? undefined : mediaTypeOf(contentType);
  const ce = ceAttributes(lowered);
  if (media !== STRUCTURED_MEDIA && media !== BATCH_MEDIA && ce.has('specversion')) {
    return binaryEvent(ce, contentType, body);
  }
  const parsed = parseJson(body);
  if (!parsed.ok)
    return { ok: false, code: 'malformed-json', reason: `the message body is not JSON: ${parsed.reason}` };
  return structuredOrBatch(parsed.value, media);
}

/** A parsed structured or batch body → its events (an empty or non-array batch is refused whole). */
export function structuredOrBatch(value: unknown, media: string | undefined): BusDecoded {
  if (media === BATCH_MEDIA && !Array.isArray(value)) {
    return { ok: false, code: 'invalid-batch', reason: `${BATCH_MEDIA} must be a JSON array of events` };
  }
  if (!Array.isArray(value)) return { ok: true, mode: 'structured', events: [value] };
  if (value.length === 0) {
    return { ok: false, code: 'invalid-batch', reason: 'the batch is an empty array: it has no events' };
  }
  return { ok: true, mode: 'batch', events: value };
}

/**
 * Binary mode: each `ce_` attribute is a context attribute, `content-type` is `datacontenttype`,
 * the body is the data: JSON when the content type says so (or when there is none and the body
 * parses, JSON being the default), otherwise kept as text.
 */
function binaryEvent(ce: Map<string, string>, contentType: string | undefined, body: string): BusDecoded {
  const event: Record<string, unknown> = Object.fromEntries(ce);
  if (contentType !== undefined) event.datacontenttype = contentType;
  const eventId = ce.get('id');
  if (body === '') return { ok: true, mode: 'binary', events: [event] };
  const json = contentType === undefined || isJsonMedia(contentType);
  if (!json) return { ok: true, mode: 'binary', events: [{ ...event, data: body }] };
  const parsed = parseJson(body);
  if (parsed.ok) return { ok: true, mode: 'binary', events: [{ ...event, data: parsed.value }] };
  if (contentType === undefined) return { ok: true, mode: 'binary', events: [{ ...event, data: body }] };
  return {
    ok: false,
    code: 'malformed-json',
    reason: `content-type is ${contentType} but the data is not JSON: ${parsed.reason}`,
    ...(eventId === undefined || eventId === '' ? {} : { eventId: eventId.slice(0, 255) }),
  };
}
