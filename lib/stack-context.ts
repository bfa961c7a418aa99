import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { EdgeWafProps } from './constructs/edge-waf.ts';
import type { TallyFunction } from './constructs/tally-function.ts';
import { ENV } from './wiring.ts';

/** Context values arrive as strings from `-c key=value` and as JSON values from cdk.json. */
function contextText(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new Error(`context ${key} must be a string, number or boolean`);
}

function positiveInt(key: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`context ${key} must be a positive integer, got ${text}`);
  return value;
}

/** `-c waf=true [-c wafIpRateLimit=2000] [-c wafTokenRateLimit=1000]` (requests per 5 minutes). */
export function wafFromContext(scope: Construct): false | Omit<EdgeWafProps, 'api'> {
  const on = contextText(scope, 'waf');
  if (on === undefined || on === 'false') return false;
  if (on !== 'true') throw new Error(`context waf must be true or false, got ${on}`);
  const ip = contextText(scope, 'wafIpRateLimit');
  const token = contextText(scope, 'wafTokenRateLimit');
  return {
    ...(ip === undefined ? {} : { ipRateLimit: positiveInt('wafIpRateLimit', ip) }),
    ...(token === undefined ? {} : { tokenRateLimit: positiveInt('wafTokenRateLimit', token) }),
  };
}

/** `-c reservedConcurrency=deposit=50,events=20`: reserved concurrency per function name. */
export function reservedConcurrencyFromContext(scope: Construct): Record<string, number> {
  const text = contextText(scope, 'reservedConcurrency');
  if (text === undefined) return {};
  const entries = text.split(',').map((pair) => {
    const [name, count, ...rest] = pair.split('=').map((part) => part.trim());
    if (name === undefined || name === '' || count === undefined || rest.length > 0) {
      throw new Error(`context reservedConcurrency is name=count,name=count; got ${JSON.stringify(pair)}`);
    }
    return [name, positiveInt(`reservedConcurrency ${name}`, count)] as const;
  });
  return Object.fromEntries(entries);
}

/**
 * A function that takes payments (wiring `takesPayments`) gets the provider from the context:
 * `-c paymentProvider=stripe -c stripeSecretArn=arn:aws:secretsmanager:…` (the secret holds
 * `{"apiKey":"sk_…","webhookSecrets":["whsec_…"]}`, and the function may read exactly it), else
 * the sandbox (off: fine for a demo stack, settles nothing by itself).
 */
export function wirePayments(scope: Construct, fn: TallyFunction): void {
  const provider = contextText(scope, 'paymentProvider') ?? 'sandbox';
  if (provider !== 'sandbox' && provider !== 'stripe') {
    throw new Error(`context paymentProvider must be sandbox or stripe, got ${provider}`);
  }
  fn.function.addEnvironment(ENV.paymentProvider, provider);
  if (provider === 'sandbox') return;
  const arn = contextText(scope, 'stripeSecretArn');
  if (arn === undefined || !arn.startsWith('arn:')) {
    throw new Error(
      'context paymentProvider=stripe needs stripeSecretArn (the Secrets Manager secret of its keys)',
    );
  }
  const secret =
    (scope.node.tryFindChild('StripeSecret') as secretsmanager.ISecret | undefined) ??
    secretsmanager.Secret.fromSecretCompleteArn(scope, 'StripeSecret', arn);
  fn.function.addEnvironment(ENV.stripeSecretArn, arn);
  secret.grantRead(fn.role);
}
