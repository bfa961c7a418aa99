import { Aws, CfnOutput, Fn, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { SCOPES } from '../wiring.ts';

/** The resource server's identifier: Cognito names its scopes `tally/wallets:read`, ... */
export const COGNITO_RESOURCE_SERVER = 'tally';

export interface CognitoIssuerProps {
  removalPolicy: RemovalPolicy;
  /**
   * The hosted domain's prefix (`<prefix>.auth.<region>.amazoncognito.com`, unique per region).
   * @default `tally-<account id>`
   */
  domainPrefix?: string;
}

/**
 * An OIDC issuer for a team without one (`-c cognito=true`): a Cognito user pool whose resource
 * server carries every wiring scope, and one app client for machine-to-machine calls (OAuth client
 * credentials). Its access tokens have no `aud`; API Gateway then checks `client_id` against the
 * audience, which is this client's id. Add more clients (one per calling service, each with only
 * the scopes it needs) in the console or here.
 */
export class CognitoIssuer extends Construct {
  readonly userPool: cognito.UserPool;
  readonly serviceClient: cognito.UserPoolClient;
  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>`: the `iss` of its tokens. */
  readonly issuer: string;
  /** Cognito puts the resource server's identifier before each scope. */
  readonly scopePrefix = `${COGNITO_RESOURCE_SERVER}/`;
  private readonly resourceServer: cognito.UserPoolResourceServer;

  constructor(scope: Construct, id: string, props: CognitoIssuerProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Accounts are made by an administrator; nobody signs themselves up to a ledger.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: props.removalPolicy,
    });
    const planReason =
      'Threat protection (Plus feature plan) is for interactive sign-in; this pool starts with machine-to-machine clients (client credentials), where a leaked secret is revoked by rotating the client. Turn it on when people sign in.';
    Validations.of(this.userPool).acknowledge({ id: 'AwsSolutions-COG3', reason: planReason });
    Validations.of(this.userPool).acknowledge({ id: 'AwsSolutions-COG8', reason: planReason });
    this.resourceServer = this.userPool.addResourceServer('Tally', {
      identifier: COGNITO_RESOURCE_SERVER,
      userPoolResourceServerName: 'Tally API',
      scopes: SCOPES.map(
        (name) => new cognito.ResourceServerScope({ scopeName: name, scopeDescription: `Tally ${name}` }),
      ),
    });
    this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? Fn.join('-', ['tally', Aws.ACCOUNT_ID]) },
    });
    this.serviceClient = this.userPool.addClient('ServiceClient', {
      generateSecret: true,
      authFlows: {},
      oAuth: {
        flows: { clientCredentials: true },
        scopes: SCOPES.map((name) => this.oauthScope(name)),
      },
    });
    this.issuer = this.userPool.userPoolProviderUrl;

    const region = Stack.of(this).region;
    new CfnOutput(this, 'TokenUrl', {
      value: Fn.join('', [
        'https://',
        props.domainPrefix ?? Fn.join('-', ['tally', Aws.ACCOUNT_ID]),
        `.auth.${region}.amazoncognito.com/oauth2/token`,
      ]),
      description: 'OAuth token endpoint (client credentials)',
    });
    new CfnOutput(this, 'ServiceClientId', {
      value: this.serviceClient.userPoolClientId,
      description: 'App client for services; its secret: aws cognito-idp describe-user-pool-client',
    });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId, description: 'Cognito user pool' });
  }

  /**
   * One of Tally's scopes for a client of this pool. Named through the resource server (not as a
   * string), so CloudFormation creates the resource server before any client that asks for its
   * scopes; a client created first fails with "invalid scope".
   */
  oauthScope(name: (typeof SCOPES)[number]): cognito.OAuthScope {
    return cognito.OAuthScope.resourceServer(
      this.resourceServer,
      new cognito.ResourceServerScope({ scopeName: name, scopeDescription: `Tally ${name}` }),
    );
  }
}
