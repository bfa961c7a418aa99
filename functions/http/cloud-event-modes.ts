import type { HttpRequest } from './handler.ts';
import { badRequest } from './problem.ts';
import { bodyText, header } from './request.ts';

/**
 * The HTTP bindings of CloudEvents 1.0 (github.com/cloudevents/spec, http-protocol-binding.md), as
 * `POST /events` reads them into the one shape the door validates: an event object, or an array.
 *
 * - binary: the attributes as `ce-*` headers, the data as the body, its type in `Content-Type`
 *   (the official SDKs' default);
 * - structured: `application/cloudevents+json`, one event as the body (an array: as a batch);
 * - batch: `application/cloudevents-batch+json`, an array of events;
 * - plain JSON (any other content type): one event or an array, as Tally has always taken.
 */
export type CloudEventsMode = 'binary' | 'structured' | 'batch' | 'json';

export const STRUCTURED_TYPE = 'application/cloudevents+json';
export const BATCH_TYPE = 'application/cloudevents-batch+json';

const mediaType = (contentType: string | undefined): string =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

const isJsonType = (type: string): boolean => type === 'application/json' || type.endsWith('+json');

export function cloudEventsMode(request: HttpRequest): CloudEventsMode {
  if (header(request.event, 'ce-specversion') !== undefined) return 'binary';
  const type = mediaType(header(request.event, 'content-type'));
  if (type === STRUCTURED_TYPE) return 'structured';
  if (type === BATCH_TYPE) return 'batch';
  return 'json';
}

/**
 * The request's events as the door validates them (one object or an array), whatever the mode.
 * A body that contradicts its mode is refused whole (400), never trimmed to what fits.
 */
export function cloudEventsBody(request: HttpRequest): unknown {
  const mode = cloudEventsMode(request);
  switch (mode) {
    case 'binary':
      return binaryEvent(request);
    case 'structured':
      // One event by the binding; an array under this type has always been taken as a batch here,
      // and clients rely on it, so it still is (validated whole, like any batch).
      return request.json();
    case 'batch': {
      const body = request.json();
      if (!Array.isArray(body)) {
        throw badRequest(
          'invalid-batch',
          `${BATCH_TYPE} must be a JSON array of events. Nothing was accepted.`,
        );
      }
      return body;
    }
    case 'json':
      return request.json();
  }
}

/** `ce-*` header values are percent-encoded (binding §3.1.3.2); a value that does not decode is refused. */
function decodeHeader(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw badRequest(
      'invalid-event',
      `The ${name} header is not valid percent-encoded text. Nothing was accepted.`,
    );
  }
}

/** One event from the `ce-*` headers and the body: JSON data when the content type is JSON, else text. */
function binaryEvent(request: HttpRequest): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request.event.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!lower.startsWith('ce-') || value === undefined) continue;
    event[lower.slice(3)] = decodeHeader(lower, value);
  }
  const contentType = header(request.event, 'content-type');
  if (contentType !== undefined) event.datacontenttype = contentType;
  const text = bodyText(request.event);
  if (text === '') return event;
  if (!isJsonType(mediaType(contentType))) return { ...event, data: text };
  // request.json() gives the depth check and the malformed-json problem every route gives.
  return { ...event, data: request.json() };
}
