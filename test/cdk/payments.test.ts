import { describe, expect, it } from 'vitest';
import { ENV, FUNCTIONS } from '../../lib/wiring.ts';
import { functionLogicalId, roleLogicalId, synth } from './support.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tally-stripe-AbCdEf';
const PAYERS = FUNCTIONS.filter((spec) => spec.takesPayments === true).map((spec) => spec.name);

/** Statements of a function's role policies that mention Secrets Manager. */
function secretStatements(template: ReturnType<typeof synth>['template'], roleId: string) {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
    .flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
    )
    .filter((statement) => JSON.stringify(statement.Action).includes('secretsmanager:'));
}

describe('the payment provider in the stack', () => {
  it('takes payments in the payments, orders and webhook functions only', () => {
    expect(PAYERS.sort()).toEqual(['orders', 'payment-webhook', 'payments']);
  });

  it('uses Stripe with -c paymentProvider=stripe: its secret ARN, and read access to exactly that secret', () => {
    const { stack, template } = synth({}, { paymentProvider: 'stripe', stripeSecretArn: ARN });
    const resources = template.toJSON().Resources;
    for (const name of PAYERS) {
      const env = resources[functionLogicalId(stack, name)].Properties.Environment.Variables;
      expect(env[ENV.paymentProvider]).toBe('stripe');
      expect(env[ENV.stripeSecretArn]).toBe(ARN);
      const statements = secretStatements(template, roleLogicalId(stack, name));
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) expect(statement.Resource).toBe(ARN);
    }
    const deposit = resources[functionLogicalId(stack, 'deposit')].Properties.Environment.Variables;
    expect(deposit[ENV.stripeSecretArn]).toBeUndefined();
    expect(secretStatements(template, roleLogicalId(stack, 'deposit'))).toEqual([]);
  });

  it('stays on the sandbox by default, with no secret access', () => {
    const { stack, template } = synth();
    for (const name of PAYERS) expect(secretStatements(template, roleLogicalId(stack, name))).toEqual([]);
  });

  it('refuses Stripe without the secret, and an unknown provider', () => {
    expect(() => synth({}, { paymentProvider: 'stripe' })).toThrow(/stripeSecretArn/);
    expect(() => synth({}, { paymentProvider: 'paypal' })).toThrow(/sandbox or stripe/);
  });
});
