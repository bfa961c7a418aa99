import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lib/wiring.ts';
import {
  actionList,
  functionLogicalId,
  onlyResourceId,
  roleLogicalId,
  statementsOf,
  synth,
} from './support.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('the checkpoint key and the scheduled checkpoint', () => {
  const { stack, template } = synth();
  const resources = template.toJSON().Resources as Record<string, Resource>;
  // The stack's one secret (Stripe's is imported by ARN, not created).
  const secretId = onlyResourceId(template, 'AWS::SecretsManager::Secret', '');
  const keyed = FUNCTIONS.filter((spec) => spec.checkpointKey === true).map((spec) => spec.name);
  const environmentOf = (name: string) =>
    ((
      resources[functionLogicalId(stack, name)]?.Properties.Environment as {
        Variables?: Record<string, unknown>;
      }
    )?.Variables ?? {}) as Record<string, unknown>;

  it('generates the key in Secrets Manager: 64 characters, hex digits only (32 bytes)', () => {
    const secret = resources[secretId] as Resource;
    expect(secret.Properties.GenerateSecretString).toEqual({
      PasswordLength: 64,
      ExcludeUppercase: true,
      ExcludePunctuation: true,
      IncludeSpace: false,
      ExcludeCharacters: 'ghijklmnopqrstuvwxyz',
    });
    // Hex digits are what the synthesized options leave: no upper case, no punctuation, no space,
    // and the excluded characters taken from the lower-case letters and digits.
    const options = secret.Properties.GenerateSecretString as {
      ExcludeUppercase: boolean;
      ExcludePunctuation: boolean;
      IncludeSpace: boolean;
      ExcludeCharacters: string;
    };
    const candidates = [
      ...'0123456789abcdefghijklmnopqrstuvwxyz',
      ...(options.ExcludeUppercase ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
      ...(options.ExcludePunctuation ? '' : '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'),
      ...(options.IncludeSpace ? ' ' : ''),
    ];
    const allowed = candidates.filter((c) => !options.ExcludeCharacters.includes(c));
    expect(allowed.join('')).toBe('0123456789abcdef');
    expect(secret.Properties.SecretString).toBeUndefined();
  });

  it('lets only the API’s wallet reads and the checkpoint pass read it, each told its ARN and mode', () => {
    expect(keyed.sort()).toEqual(['checkpoint-wallets', 'wallets']);
    // Every function of this synth (the Kafka one only exists with MSK).
    for (const spec of FUNCTIONS.filter((candidate) => stack.functions.has(candidate.name))) {
      const environment = environmentOf(spec.name);
      const grants = statementsOf(template, roleLogicalId(stack, spec.name)).filter((statement) =>
        JSON.stringify(statement.Resource).includes(secretId),
      );
      if (keyed.includes(spec.name)) {
        expect(environment.TALLY_CHECKPOINT_KEY_SECRET_ARN).toEqual({ Ref: secretId });
        expect(grants.flatMap(actionList).sort()).toEqual([
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
        ]);
      } else {
        expect(environment.TALLY_CHECKPOINT_KEY_SECRET_ARN).toBeUndefined();
        expect(grants).toEqual([]);
      }
      // The key itself is never in an environment.
      expect(environment.TALLY_CHECKPOINT_KEY).toBeUndefined();
    }
    // The read-only API checks checkpoints; only the pass, which may write the table, signs them.
    expect(environmentOf('wallets').TALLY_CHECKPOINT_MODE).toBe('verify');
    expect(environmentOf('checkpoint-wallets').TALLY_CHECKPOINT_MODE).toBe('sign');
  });

  it('runs the checkpoint pass every hour from an EventBridge rule, without retries', () => {
    const target = functionLogicalId(stack, 'checkpoint-wallets');
    const rules = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' && JSON.stringify(resource.Properties.Targets).includes(target),
    );
    expect(rules.map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({
        ScheduleExpression: 'rate(1 hour)',
        State: 'ENABLED',
        Targets: [
          expect.objectContaining({
            Arn: { 'Fn::GetAtt': [target, 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 },
          }),
        ],
      }),
    ]);
  });
});
