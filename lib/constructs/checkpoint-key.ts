import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV, type FunctionSpec } from '../wiring.ts';
import type { TallyFunction } from './tally-function.ts';

/** Every lowercase letter that is not a hex digit: what the generator must leave out. */
const NOT_HEX = 'ghijklmnopqrstuvwxyz';

/**
 * /verify's checkpoint key (issue 10 §4.4): an HMAC-SHA256 key the table does not hold, so anyone
 * who can write the table still cannot sign a checkpoint. A Secrets Manager secret generated at
 * deploy time: 64 hex characters (32 bytes, 256 bits), never seen by CloudFormation or a person.
 *
 * Only the functions the wiring marks `checkpointKey` may read it (`secretsmanager:GetSecretValue`
 * on this secret alone); they read it at cold start, so it is not in their environment, where
 * anyone allowed `lambda:GetFunctionConfiguration` would see it. A read-only function (the API's
 * `GET /wallets/…/verify`) checks checkpoints and signs none; the scheduled pass
 * (`checkpoint-wallets`) signs them.
 */
export class CheckpointKey extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { removalPolicy: RemovalPolicy }) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Tally: HMAC-SHA256 key of the signed /verify checkpoints (64 hex characters)',
      generateSecretString: {
        passwordLength: 64,
        excludeUppercase: true,
        excludePunctuation: true,
        includeSpace: false,
        excludeCharacters: NOT_HEX,
      },
      // Losing the key makes every stored checkpoint unverifiable (reported as forged).
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Not rotated automatically: checkpoints signed under the old key would then read as forged. ' +
        'To rotate: put a new value and delete the CHECKPOINT# items; the next pass signs every wallet again from version 1.',
    });
  }

  /** Gives `fn` the secret's ARN, read access to it, and its mode (check only, or sign). */
  grantTo(spec: Pick<FunctionSpec, 'name' | 'tableAccess'>, fn: TallyFunction): void {
    this.secret.grantRead(fn.role);
    fn.function.addEnvironment(ENV.checkpointKeySecretArn, this.secret.secretArn);
    fn.function.addEnvironment(ENV.checkpointMode, spec.tableAccess === 'read-write' ? 'sign' : 'verify');
  }
}
