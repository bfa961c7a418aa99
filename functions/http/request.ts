import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { zodWording } from '#app/zod-wording.ts';
import { badRequest, HttpProblem } from './problem.ts';

/** Larger bodies are refused (413) before anything else runs; routes that take rule text allow more. */
export const BODY_BYTES_MAX = 64 * 1024;

/** JSON nested deeper than this is refused (400) before it is parsed: no legitimate body comes close. */
export const JSON_DEPTH_MAX = 64;

/** The body as text (API Gateway base64-encodes some content types). */
export const bodyText = (event: APIGatewayProxyEventV2): string =>
  event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');

/** 413 for a body over `bytesMax`, counted in bytes as sent. */
export function assertBodySize(event: APIGatewayProxyEventV2, bytesMax: number, detail?: string): void {
  if (event.body === undefined || event.body === null) return;
  const bytes = event.isBase64Encoded
    ? Buffer.byteLength(event.body, 'base64')
    : Buffer.byteLength(event.body, 'utf8');
  if (bytes <= bytesMax) return;
  throw new HttpProblem({
    status: 413,
    code: 'body-too-large',
    title: 'Content too large',
    detail: detail ?? `The body is larger than ${bytesMax} bytes.`,
  });
}

/**
 * How deeply a JSON text nests its arrays and objects, read in one pass without recursion (so a
 * hostile body cannot exhaust the stack), stopping as soon as it passes `limit`.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let at = 0; at < text.length; at++) {
    const char = text.charCodeAt(at);
    if (inString) {
      if (char === 0x5c)
        at++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > limit) return true;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return false;
}

/**
 * The JSON body. Any content type is accepted as long as the body is JSON, because the original
 * wallet service's own example (`curl -d '{…}'`) sends `application/x-www-form-urlencoded`.
 */
export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw badRequest('missing-body', 'The request needs a JSON body.');
  }
  const text = bodyText(event);
  if (jsonDepthExceeds(text, JSON_DEPTH_MAX)) {
    throw badRequest(
      'too-deep',
      `The body nests arrays and objects more than ${JSON_DEPTH_MAX} levels deep.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'not JSON';
    throw badRequest('malformed-json', `The body is not valid JSON: ${reason}`);
  }
}

/** Parses with zod; every issue is reported with a JSON pointer to the field. */
export function parseWith<T>(schema: z.core.$ZodType<T>, input: unknown): T {
  // zod/mini's standalone safeParse takes a schema of either API (the classic request schemas, the
  // zod/mini ones): same core, same issues.
  const result = z.safeParse(schema, input, { error: zodWording });
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    pointer: `#/${issue.path.map(String).join('/')}`,
    detail: issue.message,
  }));
  const first = errors[0];
  const detail = first
    ? `${first.pointer === '#/' ? '' : `${first.pointer.slice(2)}: `}${first.detail}`
    : 'Invalid input.';
  throw badRequest('invalid-request', detail, { errors });
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** A sensible token: what UUIDs, ULIDs, base64url and `order-123:retry` keys are made of. */
const KEY_PATTERN = /^[A-Za-z0-9._:~@+=/-]{1,255}$/;

/**
 * The `Idempotency-Key` header (IETF draft-ietf-httpapi-idempotency-key-header): a structured
 * field string, so `"abc"`; the bare form `abc` is accepted too. Absent → undefined.
 */
export function idempotencyKey(event: APIGatewayProxyEventV2): string | undefined {
  const raw = header(event, 'idempotency-key');
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  const key =
    trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  if (!KEY_PATTERN.test(key)) {
    throw badRequest(
      'invalid-idempotency-key',
      'Idempotency-Key must be 1-255 of A-Z a-z 0-9 . _ : ~ @ + = / - (a UUID is a good choice).',
    );
  }
  return key;
}
