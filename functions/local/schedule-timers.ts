import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import type { FunctionSpec, TriggerSpec } from '#lib/wiring.ts';
import { BackgroundLoops } from './background-loops.ts';
import { type LambdaHandler, lambdaContext, localAccountId } from './lambda.ts';

export interface ScheduleConsumer {
  spec: FunctionSpec;
  trigger: Extract<TriggerSpec, { kind: 'schedule' }>;
  handler: LambdaHandler;
}

export interface ScheduleTimersOptions {
  /** Tick every this many ms instead of the wiring's minutes (tests, demos). @default the wiring's */
  everyMs?: number;
}

/**
 * The local runtime's clocks: each `schedule` trigger of the wiring table invokes its function on a
 * timer, with the EventBridge scheduled event it gets in AWS. One invocation at a time per trigger
 * (the next tick waits for the last one to end); a failed one is logged and the next tick goes on,
 * as EventBridge (with no retries) would.
 */
export class ScheduleTimers {
  private readonly loops = new BackgroundLoops();

  constructor(
    private readonly consumers: readonly ScheduleConsumer[],
    private readonly region: string,
    private readonly options: ScheduleTimersOptions,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    for (const consumer of this.consumers) this.loops.track(this.tick(consumer));
  }

  private async tick(consumer: ScheduleConsumer): Promise<void> {
    const everyMs = this.options.everyMs ?? consumer.trigger.everyMinutes * 60_000;
    while (!this.loops.stopped) {
      await this.loops.pause(everyMs);
      if (this.loops.stopped) return;
      try {
        await consumer.handler(
          scheduledEvent(consumer.spec, this.region),
          lambdaContext(consumer.spec, this.region),
        );
      } catch (error) {
        this.log(
          `schedule: ${consumer.spec.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  /** Lets the invocation in progress finish, then stops the timers. */
  stop(): Promise<void> {
    return this.loops.stop();
  }
}

function scheduledEvent(spec: FunctionSpec, region: string): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: localAccountId,
    time: new Date().toISOString(),
    region,
    resources: [`arn:aws:events:${region}:${localAccountId}:rule/tally-local-${spec.name}`],
    detail: {},
  };
}
