import * as z from 'zod/mini';
import { rfc3339Time } from '#app/rfc3339-time.ts';

/**
 * The widest window a re-publish job takes: a stream switch leaves minutes unpublished, and a relay
 * outage at most the stream's 24-hour retention. Wider is most likely a mistyped date, and every
 * consumer would receive that history again (harmless by CloudEvent id, but not free).
 */
export const REPUBLISH_WINDOW_MAX_MS = 7 * 86_400_000;

/** `POST /republish`'s body: the recording-time window [from, to) whose events are published again. */
export const republishBody = z.strictObject({ from: rfc3339Time, to: rfc3339Time }).check(
  z.superRefine((body, ctx) => {
    const width = Date.parse(body.to) - Date.parse(body.from);
    if (width <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    if (width > REPUBLISH_WINDOW_MAX_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be at most ${REPUBLISH_WINDOW_MAX_MS / 86_400_000} days after from (one job per week of a longer outage)`,
      });
    }
  }),
);
