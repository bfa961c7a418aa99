/**
 * The values only the protobuf format (./msk-protobuf.ts, a lazy chunk) reads: its timestamps and
 * its binary data. Apart from ./msk-values.ts, which the JSON formats' cold start loads, so they
 * stay in the protobuf chunk.
 */
import { type Converted, isJsonMediaType, textData, utf8 } from './msk-values.ts';

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
