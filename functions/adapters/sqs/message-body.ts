/**
 * A CloudEvent as an SQS message body: its JSON, with U+FFFE, U+FFFF and every character above
 * U+FFFF (emoji…) written as `\u` escapes. SQS refuses bodies holding the first two; the local
 * SQS (fauxqs) also refuses surrogate pairs, which real SQS accepts (found by the fuzz suite: an
 * emoji in a CloudEvent was a 503 under `npm start`). JSON.stringify already escapes control
 * characters and lone surrogates, and inside a JSON string an escape means the same text.
 */
export function toMessageBody(event: unknown): string {
  return JSON.stringify(event).replace(/[\ufffe\uffff]|[\ud800-\udbff][\udc00-\udfff]/g, (chars) =>
    Array.from(
      { length: chars.length },
      (_, index) => `\\u${chars.charCodeAt(index).toString(16).padStart(4, '0')}`,
    ).join(''),
  );
}
