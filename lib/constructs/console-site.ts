import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CfnElement, CfnOutput, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { type CfnApi, CfnAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { RouteAuthorization } from './api.ts';
import type { CognitoIssuer } from './cognito-issuer.ts';

/** The scopes the console asks the IdP for: every page's reads, the walkthrough's writes, admin. */
const CONSOLE_SCOPES = ['admin', 'wallets:read', 'wallets:write', 'events:read', 'rules:read'] as const;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ConsoleSiteProps {
  api: HttpApi;
  authorization: RouteAuthorization;
  /** With `-c cognito=true`: the console gets a public app client (authorization code + PKCE) there. */
  cognito: CognitoIssuer | undefined;
  /** The built console (console/dist). */
  distDir: string;
  /** The IdP's public client id for the console (an external issuer; Cognito makes its own). */
  clientId?: string | undefined;
  removalPolicy: RemovalPolicy;
}

/**
 * The operator console (`-c console=true`): its built assets in a private S3 bucket, read only by
 * CloudFront through origin access control, with `console/config.json` naming the API and the OIDC
 * issuer and client of the sign-in (authorization code + PKCE). The API allows the console's origin
 * (CORS); with Cognito, the console's client is added to the JWT authorizer's audience.
 */
export class ConsoleSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly url: string;
  readonly client: cognito.UserPoolClient | undefined;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const authorization = props.authorization;
    if (authorization.kind !== 'jwt') {
      throw new Error(
        '-c console=true needs JWT authorization (jwtIssuer or cognito): a browser cannot sign IAM requests',
      );
    }
    this.bucket = new s3.Bucket(this, 'Assets', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The bucket holds only the console’s public build output; CloudFront is its only reader.',
    });

    // `/` goes to the app; a path under /console/ that is not a built asset (assets/), the page or
    // config.json is a page of the app (ids may hold dots: /console/wallets/a.b).
    const route = new cloudfront.Function(this, 'SpaRoutes', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'Tally console: / to /console/, app routes to index.html',
      code: cloudfront.FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          '  var uri = request.uri;',
          "  if (uri === '/' || uri === '/console') {",
          "    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/console/' } } };",
          '  }',
          "  if (uri.startsWith('/console/') && !uri.startsWith('/console/assets/') &&",
          "      uri !== '/console/index.html' && uri !== '/console/config.json') {",
          "    request.uri = '/console/index.html';",
          '  }',
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // uPlot sets style attributes; the page talks to the API and the IdP over https only.
          contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            "connect-src 'self' https:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Tally operator console',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: route, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
    });
    for (const [ruleId, reason] of [
      [
        'AwsSolutions-CFR1',
        'An operator console has no country restriction of its own; its API checks every token.',
      ],
      ['AwsSolutions-CFR2', 'Static assets only; the API it calls is where a web ACL belongs (-c waf=true).'],
      ['AwsSolutions-CFR3', 'Static assets only: the API’s access logs record every call the console makes.'],
      [
        'AwsSolutions-CFR4',
        'The default CloudFront certificate (no custom domain) fixes the viewer TLS policy; add a domain to raise it.',
      ],
    ] as const) {
      Validations.of(this.distribution).acknowledge({ id: ruleId, reason });
    }
    this.url = `https://${this.distribution.distributionDomainName}`;

    this.client = props.cognito === undefined ? undefined : this.cognitoClient(props.cognito);
    const clientId = this.client?.userPoolClientId ?? props.clientId;
    if (clientId === undefined) {
      throw new Error(
        '-c console=true with an external issuer needs -c consoleClientId=<the IdP’s public client id>',
      );
    }
    this.allowConsoleOrigin(props.api, this.client === undefined ? undefined : clientId);

    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'console/',
      sources: [
        s3deploy.Source.asset(props.distDir),
        s3deploy.Source.jsonData('config.json', {
          apiUrl: props.api.apiEndpoint,
          auth: {
            kind: 'oidc',
            issuer: authorization.issuer,
            clientId,
            scopes: CONSOLE_SCOPES.map((name) => `${authorization.scopePrefix}${name}`),
          },
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/console/index.html', '/console/config.json'],
    });
    this.acknowledgeDeploymentHandler(deployment);
    new CfnOutput(this, 'ConsoleUrl', { value: `${this.url}/console/`, description: 'The operator console' });
  }

  /**
   * cdk-nag on CDK's own BucketDeployment handler (a singleton at the stack root), rule by rule: the
   * copy from the CDK assets bucket into this bucket needs object wildcards, and invalidation "*".
   */
  private acknowledgeDeploymentHandler(deployment: s3deploy.BucketDeployment): void {
    const bucketId = Stack.of(this).resolve(
      (this.bucket.node.defaultChild as CfnElement).logicalId,
    ) as string;
    const copy =
      'CDK’s BucketDeployment copies the console’s build from the CDK assets bucket into its own bucket';
    const acknowledgments: [string, string][] = [
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK’s BucketDeployment handler writes its logs with the AWS managed basic-execution policy.',
      ],
      ...['GetObject*', 'GetBucket*', 'List*', 'DeleteObject*', 'Abort*'].map((action): [string, string] => [
        `AwsSolutions-IAM5[Action::s3:${action}]`,
        `${copy}: s3:${action} is CDK’s grant for reading and pruning objects.`,
      ]),
      [
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        `${copy}: it reads the asset objects by key.`,
      ],
      [`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`, `${copy}: it writes every object of the site.`],
      [
        'AwsSolutions-IAM5[Resource::*]',
        'CDK’s BucketDeployment grants cloudfront:CreateInvalidation and GetInvalidation on "*" to invalidate index.html and config.json.',
      ],
    ];
    for (const [id, reason] of acknowledgments)
      Validations.of(deployment.handlerRole).acknowledge({ id, reason });
    // The role's parent is the handler function (at the stack root, shared by every BucketDeployment).
    const handler = deployment.handlerRole.node.scope;
    if (handler !== undefined) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'CDK’s BucketDeployment handler runtime is chosen by aws-cdk-lib and moves with it.',
      });
    }
  }

  /** A public client (no secret) for the authorization-code + PKCE sign-in, back to /console/callback. */
  private cognitoClient(issuer: CognitoIssuer): cognito.UserPoolClient {
    return issuer.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: {},
      preventUserExistenceErrors: true,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, ...CONSOLE_SCOPES.map((name) => issuer.oauthScope(name))],
        callbackUrls: [`${this.url}/console/callback`],
        logoutUrls: [`${this.url}/console/`],
      },
      accessTokenValidity: Duration.hours(1),
    });
  }

  /**
   * CORS on the HTTP API for the console's origin (API Gateway answers the preflight itself, before
   * the authorizer); and, with Cognito, the console's client among the authorizer's audiences.
   */
  private allowConsoleOrigin(api: HttpApi, audienceClientId: string | undefined): void {
    const cfnApi = api.node.defaultChild as CfnApi;
    cfnApi.corsConfiguration = {
      allowOrigins: [this.url],
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
      exposeHeaders: ['location', 'retry-after'],
      maxAge: 600,
    };
    if (audienceClientId === undefined) return;
    for (const authorizer of api.node.findAll()) {
      if (!(authorizer instanceof CfnAuthorizer)) continue;
      const audience = (authorizer.jwtConfiguration as CfnAuthorizer.JWTConfigurationProperty | undefined)
        ?.audience;
      authorizer.addPropertyOverride('JwtConfiguration.Audience', [...(audience ?? []), audienceClientId]);
    }
  }
}

/**
 * `-c console=true` (optionally `-c consoleClientId=…` for an external issuer, `-c consoleDist=DIR`
 * for a console built elsewhere): the site, built from console/ with Vite first when no dist is given.
 */
export function consoleSiteFromContext(
  stack: Stack & {
    api: HttpApi;
    authorization: RouteAuthorization;
    cognito: CognitoIssuer | undefined;
  },
  removalPolicy: RemovalPolicy,
): ConsoleSite | undefined {
  const on: unknown = stack.node.tryGetContext('console');
  if (on === undefined || on === false || on === 'false') return undefined;
  if (on !== true && on !== 'true')
    throw new Error(`context console must be true or false, got ${String(on)}`);
  const given: unknown = stack.node.tryGetContext('consoleDist');
  const distDir = typeof given === 'string' && given !== '' ? path.resolve(given) : buildConsole();
  if (!existsSync(path.join(distDir, 'index.html')))
    throw new Error(`${distDir} holds no built console (index.html)`);
  const clientId: unknown = stack.node.tryGetContext('consoleClientId');
  return new ConsoleSite(stack, 'Console', {
    api: stack.api,
    authorization: stack.authorization,
    cognito: stack.cognito,
    distDir,
    clientId: typeof clientId === 'string' && clientId !== '' ? clientId : undefined,
    removalPolicy,
  });
}

/** `vite build` of console/ (a few seconds), so a deploy always ships the sources it was given. */
function buildConsole(): string {
  const consoleDir = path.join(REPO_ROOT, 'console');
  const vite = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const config = path.join(consoleDir, 'vite.config.ts');
  execFileSync(process.execPath, [vite, 'build', consoleDir, '--config', config, '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
  return path.join(consoleDir, 'dist');
}
