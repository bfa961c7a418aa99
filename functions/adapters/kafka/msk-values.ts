/**
 * What the MSK record formats share (./msk-record.ts and the protobuf format, ./msk-protobuf.ts,
 * which is a lazy chunk): the decoded result, and how attribute and data values are read. A module
 * of its own so that the lazy chunk imports nothing of msk-record.ts. What only the protobuf format
 * reads (timestamps, binary data) is in ./msk-protobuf-values.ts: esbuild puts what a lazy chunk
 * uses of a module the cold start imports into the cold start.
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
