import { problemType } from '#http/problem.ts';

/** The HTTP answer the local server sends: a handler's result read by payload 2.0 rules, or its own problem. */
export interface HttpReply {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

export class MalformedResultError extends Error {
  override readonly name = 'MalformedResultError';
}

/**
 * Reads a handler's result by the payload 2.0 rules: an object with `statusCode` is a structured
 * response; anything else is JSON to send as a 200 `application/json` body. A structured response
 * that API Gateway would reject (bad status, non-string body) throws, and becomes a 500.
 */
export function toHttpReply(result: unknown): HttpReply {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      // A handler that returns nothing sends `null`, the JSON of an empty Lambda result.
      body: Buffer.from(JSON.stringify(result) ?? 'null', 'utf8'),
    };
  }
  const structured = result as {
    statusCode: unknown;
    headers?: unknown;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const statusCode = structured.statusCode;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new MalformedResultError(
      `statusCode must be an integer from 100 to 599, got ${String(statusCode)}`,
    );
  }
  const headers: Record<string, string> = {};
  if (structured.headers !== undefined && structured.headers !== null) {
    if (typeof structured.headers !== 'object') throw new MalformedResultError('headers must be an object');
    for (const [name, value] of Object.entries(structured.headers)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new MalformedResultError(`header ${name} must be a string, number or boolean`);
      }
      headers[name.toLowerCase()] = String(value);
    }
  }
  const cookies: string[] = [];
  if (structured.cookies !== undefined) {
    if (
      !Array.isArray(structured.cookies) ||
      structured.cookies.some((cookie) => typeof cookie !== 'string')
    ) {
      throw new MalformedResultError('cookies must be an array of strings');
    }
    cookies.push(...(structured.cookies as string[]));
  }
  const body = structured.body ?? '';
  if (typeof body !== 'string') throw new MalformedResultError('body must be a string');
  return {
    statusCode,
    headers,
    cookies,
    body: structured.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}

/** An RFC 9457 problem, as the handlers answer theirs. */
export function problemReply(
  status: number,
  code: string,
  title: string,
  detail: string,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): HttpReply {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', ...extraHeaders },
    cookies: [],
    body: Buffer.from(
      JSON.stringify({ type: problemType(code), title, status, detail, instance: requestId }),
      'utf8',
    ),
  };
}
