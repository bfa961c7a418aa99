import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { FunctionSpec, TriggerSpec } from '../wiring.ts';
import type { TallyFunction } from './tally-function.ts';

type ScheduleTrigger = Extract<TriggerSpec, { kind: 'schedule' }>;

/**
 * The clocks of the wiring table: an EventBridge rule per `schedule` trigger invoking its function
 * every few minutes (the expiry sweep, every minute). A missed or failed invocation loses nothing:
 * the sweep's work stays in the table's expiry index and the next tick does it, so the target does
 * not retry (two sweeps overlapping would only contend for the same wallets).
 */
export class Schedules extends Construct {
  addScheduleTrigger(spec: FunctionSpec, fn: TallyFunction, trigger: ScheduleTrigger): void {
    if (!Number.isInteger(trigger.everyMinutes) || trigger.everyMinutes < 1) {
      throw new Error(`${spec.name}: a schedule runs every 1 or more whole minutes`);
    }
    new events.Rule(this, `${fn.node.id}Schedule`, {
      description: `Invokes ${spec.name} every ${trigger.everyMinutes} minute(s): ${spec.description}`,
      schedule: events.Schedule.rate(Duration.minutes(trigger.everyMinutes)),
      targets: [
        new targets.LambdaFunction(fn.function, {
          retryAttempts: 0,
          maxEventAge: Duration.minutes(trigger.everyMinutes),
        }),
      ],
    });
  }
}
