import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MessageOutcome } from '#app/ingest-message.ts';
import { metrics } from '#observability/metrics.ts';

/** What a batch of bus messages came to, counted as they finish and emitted once per batch. */
export class IngestCounts {
  recorded = 0;
  duplicate = 0;
  deadLettered = 0;
  /** Messages (or Kafka partitions) that failed for a passing reason and will be delivered again. */
  retried = 0;

  count(outcome: MessageOutcome): MessageOutcome {
    if (outcome.kind === 'recorded') this.recorded++;
    else if (outcome.kind === 'duplicate') this.duplicate++;
    else this.deadLettered++;
    return outcome;
  }

  emit(): void {
    const counted = [
      ['EventsRecorded', this.recorded],
      ['EventsDuplicate', this.duplicate],
      ['EventsDeadLettered', this.deadLettered],
      ['EventsRetried', this.retried],
    ] as const;
    for (const [name, count] of counted) if (count > 0) metrics.addMetric(name, MetricUnit.Count, count);
  }
}

/** An error as a log line may carry it: its name and message, never its stack or payload. */
export const errorSummary = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message } : String(error);
