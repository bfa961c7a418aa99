import type { IngestOutcome } from '#app/ingest.ts';
import { DOMAIN_ERROR_OUTCOMES, WRITE_OUTCOMES } from '#app/outcomes.ts';
import type { IngestAnswer } from './system.ts';

/** The sim's own words for the use case's outcomes (it predates the outcome vocabulary). */
export function ingestAnswer(outcome: IngestOutcome): IngestAnswer {
  switch (outcome.kind) {
    case 'recorded':
      return { kind: 'recorded', points: outcome.points, eventIds: outcome.events.map((e) => e.eventId) };
    case 'rejected':
      return { kind: 'rejected', code: DOMAIN_ERROR_OUTCOMES[outcome.error.code].code };
    case 'replayed':
      return { kind: 'duplicate' };
    case 'key-reused':
      return { kind: 'rejected', code: WRITE_OUTCOMES['key-reused'].queueCode };
    case 'contended':
      return { kind: 'contended' };
  }
}
