/**
 * What the MSK record formats share (./msk-record.ts and the protobuf format, ./msk-protobuf.ts,
 * which is a lazy chunk): the decoded result, and how attribute and data values are read. A module
 * of its own so that the lazy chunk imports nothing of msk-record.ts.
 */

export type DecodedRecord =
  | { ok: true; format: 'json' | 'protobuf' | 'binary'; candidate: unknown }
  /** `candidates`: the batch's events, each validated and ingested on its own. */
  | { ok: true; format: 'batch'; candidates: unknown[] }
  | { ok: false; code: 'undecodable'; reason: string };

export const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The media type of a content type, without parameters: `application/json; charset=utf-8` → `application/json`. */
export const mediaType = (contentType: string): string =>
  (contentType.split(';')[0] ?? '').trim().toLowerCase();

/** JSON media types: `application/json`, `text/json` and any `+json` suffix. */
export const isJsonMediaType = (contentType: string): boolean => {
  const media = mediaType(contentType);
  return media === 'application/json' || media === 'text/json' || media.endsWith('+json');
};

export function fail(reason: string): DecodedRecord {
  return { ok: false, code: 'undecodable', reason };
}

export type Converted<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A google.protobuf.Timestamp as RFC 3339 in UTC, exact to the nanosecond (`2026-11-22T10:00:00.5Z`),
 * which is how the JSON format writes the `time` attribute.
 */
export function timestampText(seconds: string, nanos: number): Converted<string> {
  const wholeSeconds = Number(seconds);
  if (!Number.isSafeInteger(wholeSeconds) || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    return { ok: false, reason: `is not a valid timestamp (seconds ${seconds}, nanos ${nanos})` };
  }
  const date = new Date(wholeSeconds * 1000);
  // Year 0001 to 9999, as the Timestamp type defines it and RFC 3339 can write it.
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) {
    return { ok: false, reason: `is outside the years 0001-9999 (seconds ${seconds})` };
  }
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return { ok: true, value: `${date.toISOString().slice(0, 19)}${fraction}Z` };
}

/**
 * Text data: JSON when the content type says so, or when there is none and the text parses (the
 * JSON format's default content type is JSON); otherwise the text itself.
 */
export function textData(text: string, contentType: string | undefined): Converted<unknown> {
  if (contentType !== undefined && !isJsonMediaType(contentType)) return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    if (contentType === undefined) return { ok: true, value: text };
    return {
      ok: false,
      reason: `datacontenttype is ${contentType} but the text is not JSON: ${error instanceof SyntaxError ? error.message : 'unreadable'}`,
    };
  }
}

/** Binary data: parsed when it is JSON text, else kept as `data_base64`, as the JSON format does. */
export function binaryData(
  bytes: Buffer,
  contentType: string | undefined,
): Converted<Record<string, unknown>> {
  if (contentType !== undefined && isJsonMediaType(contentType)) {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return { ok: false, reason: `datacontenttype is ${contentType} but the bytes are not UTF-8` };
    }
    const parsed = textData(text, contentType);
    return parsed.ok ? { ok: true, value: { data: parsed.value } } : parsed;
  }
  return { ok: true, value: { data_base64: bytes.toString('base64') } };
}
