import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lib/wiring.ts';
import {
  actionsOf,
  functionLogicalId,
  roleLogicalId,
  synth,
  triggerOf,
  WRITE_ACTIONS,
  withSpec,
} from './support.ts';

describe('schedules', () => {
  const { stack, template } = synth();
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const rules = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::Events::Rule');
  const sweeper = functionLogicalId(stack, 'sweep-expiries');

  it('invokes the expiry sweeper on the wiring’s schedule (every minute), without retries, and nothing else on a clock', () => {
    expect(triggerOf('sweep-expiries', 'schedule').everyMinutes).toBe(1);
    // The other clock is the checkpoint pass (checkpoint-key.test.ts); one rule per scheduled function.
    const checkpointer = functionLogicalId(stack, 'checkpoint-wallets');
    const scheduled = rules.filter(([, rule]) => rule.Properties.ScheduleExpression !== undefined);
    expect(scheduled).toHaveLength(2);
    expect(
      scheduled.filter(([, rule]) => JSON.stringify(rule.Properties.Targets).includes(checkpointer)),
    ).toHaveLength(1);
    scheduled.splice(
      scheduled.findIndex(([, rule]) => JSON.stringify(rule.Properties.Targets).includes(checkpointer)),
      1,
    );
    const [, rule] = scheduled[0] as [string, { Properties: Record<string, unknown> }];
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [sweeper, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        },
      ],
    });
  });

  it('lets EventBridge, only from that rule, invoke the sweeper', () => {
    const [ruleId] =
      rules.find(
        ([, rule]) =>
          rule.Properties.ScheduleExpression !== undefined &&
          JSON.stringify(rule.Properties.Targets).includes(sweeper),
      ) ?? [];
    const permissions = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Permission' &&
        JSON.stringify(resource.Properties.FunctionName).includes(sweeper),
    );
    expect(permissions.map((permission) => permission.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [sweeper, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      },
    ]);
  });

  it('gives the sweeper read-write access to the table (it appends ExpireHold events and drops index entries)', () => {
    const actions = actionsOf(template, roleLogicalId(stack, 'sweep-expiries'));
    for (const action of [...WRITE_ACTIONS, 'dynamodb:Query', 'dynamodb:GetItem'])
      expect(actions).toContain(action);
  });

  it('follows the wiring: another interval, or a refusal for a non-whole one', () => {
    const every5 = synth({
      functions: withSpec('sweep-expiries', (spec) => ({
        ...spec,
        triggers: [{ kind: 'schedule', everyMinutes: 5 }],
      })),
    });
    const expressions = Object.values(every5.template.toJSON().Resources as typeof resources)
      .filter((resource) => resource.Type === 'AWS::Events::Rule')
      .map((resource) => resource.Properties.ScheduleExpression);
    expect(expressions).toContain('rate(5 minutes)');
    expect(() =>
      synth({
        functions: withSpec('sweep-expiries', (spec) => ({
          ...spec,
          triggers: [{ kind: 'schedule', everyMinutes: 0.5 }],
        })),
      }),
    ).toThrow(/whole minutes/);
    expect(
      FUNCTIONS.filter((spec) => spec.triggers?.some((trigger) => trigger.kind === 'schedule')).map(
        (spec) => spec.name,
      ),
    ).toEqual(['sweep-expiries', 'checkpoint-wallets']);
  });
});
