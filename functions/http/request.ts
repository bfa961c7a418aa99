import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { badRequest, HttpProblem } from './problem.ts';

/** Larger bodies are refused before parsing; API Gateway itself stops at 10 MB. */
export const BODY_BYTES_MAX = 256 * 1024;

/**
 * The JSON body. Any content type is accepted as long as the body is JSON, because the original
 * wallet service's own example (`curl -d '{…}'`) sends `application/x-www-form-urlencoded`.
 */
export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw badRequest('missing-body', 'The request needs a JSON body.');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > BODY_BYTES_MAX) {
    throw new HttpProblem({
      status: 413,
      code: 'body-too-large',
      title: 'Content too large',
      detail: `The body is larger than ${BODY_BYTES_MAX} bytes.`,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'not JSON';
    throw badRequest('malformed-json', `The body is not valid JSON: ${reason}`);
  }
}

/** Parses with zod; every issue is reported with a JSON pointer to the field. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
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

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

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
      'Idempotency-Key must be 1-255 visible ASCII characters (a UUID is a good choice).',
    );
  }
  return key;
}
