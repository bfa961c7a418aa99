// zod/mini (the same core as the classic API, tree-shaken to what is used): this schema is parsed
// in POST /events and both ingest functions; the OpenAPI document reads it through z.toJSONSchema.
import * as z from 'zod/mini';
import { WALLET_ID_PATTERN } from '#domain/wallet-id.ts';
import { rfc3339Time } from './rfc3339-time.ts';

/** The native type: a deposit, exactly like `POST /deposit`, with `time` as its event time. */
export const DEPOSIT_EVENT_TYPE = 'wallet.deposit';

/**
 * A CloudEvent 1.0 in the structured JSON format, as Tally takes it from any bus: `id` is the
 * idempotency key, `subject` the wallet id, `time` the event time. Extension attributes are kept.
 */
export const cloudEventSchema = z.catchall(
  z.object({
    specversion: z.literal('1.0', { error: 'must be "1.0"' }),
    id: z
      .string({ error: 'is required (it is the idempotency key)' })
      .check(
        z.minLength(1, 'must not be empty'),
        z.maxLength(255, 'must be at most 255 characters'),
        z.regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters'),
      ),
    source: z.string({ error: 'is required' }).check(z.minLength(1, 'must not be empty'), z.maxLength(1024)),
    type: z.string({ error: 'is required' }).check(z.minLength(1, 'must not be empty'), z.maxLength(256)),
    subject: z
      .string({ error: 'is required (it names the wallet)' })
      .check(
        z.regex(WALLET_ID_PATTERN, 'does not match the wallet id rule (1-128 of A-Z a-z 0-9 . _ : @ -)'),
      ),
    time: z.optional(rfc3339Time),
    datacontenttype: z.optional(z.string()),
    dataschema: z.optional(z.string()),
    data: z.optional(z.unknown()),
  }),
  z.unknown(),
);

export type CloudEvent = z.infer<typeof cloudEventSchema>;

/**
 * How far ahead of the receiving clock an event's `time` may be: clocks drift, but an event from
 * the future (2099, 9999-12-31) is a bug upstream that would sort after every real fact and sit in
 * every window until then.
 */
export const EVENT_TIME_FUTURE_MAX_MS = 5 * 60_000;

/** Why an event's time is refused (more than EVENT_TIME_FUTURE_MAX_MS ahead of `nowMs`), or undefined. */
export function futureTimeProblem(event: Pick<CloudEvent, 'time'>, nowMs: number): string | undefined {
  if (event.time === undefined) return undefined;
  const atMs = Date.parse(event.time);
  if (atMs <= nowMs + EVENT_TIME_FUTURE_MAX_MS) return undefined;
  return `time: is ${event.time}, more than ${EVENT_TIME_FUTURE_MAX_MS / 60_000} minutes ahead of the receiving clock (${new Date(nowMs).toISOString()})`;
}

/** Human-readable reasons, e.g. `subject: does not match the wallet id rule`. */
export function cloudEventProblems(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || 'event'}: ${issue.message}`);
}
