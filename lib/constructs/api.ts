import { type CfnElement, Lazy, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteSpec, RouteThrottle, Scope } from '../wiring.ts';

/** The stage's ceiling over all routes together (requests per second, burst). */
export const STAGE_THROTTLE: RouteThrottle = { rateLimit: 500, burstLimit: 1000 };

/**
 * Each route's own ceiling when the wiring names none: API Gateway answers 429 above it, before a
 * Lambda runs, so one busy route (or one abusive client on it) cannot use the whole stage.
 */
export const DEFAULT_ROUTE_THROTTLE = {
  /** Health checks: a probe every few seconds from each load balancer is plenty. */
  public: { rateLimit: 50, burstLimit: 100 },
  /** Rule publishing, replays, backtests, corrections: operators, not traffic. */
  admin: { rateLimit: 10, burstLimit: 20 },
  /** Deposits and events in. */
  write: { rateLimit: 100, burstLimit: 200 },
  read: { rateLimit: 200, burstLimit: 400 },
} as const satisfies Record<string, RouteThrottle>;

/** The throttle in force for a route: its own, or the default for its kind. */
export function routeThrottle(route: RouteSpec): RouteThrottle {
  if (route.throttle !== undefined) return route.throttle;
  if ('public' in route.auth) return DEFAULT_ROUTE_THROTTLE.public;
  if (route.auth.scopes.includes('admin')) return DEFAULT_ROUTE_THROTTLE.admin;
  return route.method === 'GET' ? DEFAULT_ROUTE_THROTTLE.read : DEFAULT_ROUTE_THROTTLE.write;
}

/** What the API's routes are guarded by, once resolved (Cognito becomes a JWT issuer). */
export type RouteAuthorization =
  | { kind: 'jwt'; issuer: string; audience: readonly string[]; scopePrefix: string }
  | { kind: 'iam' };

export interface TallyApiProps {
  authorization: RouteAuthorization;
  removalPolicy: RemovalPolicy;
}

/**
 * The HTTP API: one route per wiring route, each behind the authorizer its `auth` asks for (JWT
 * with the route's scopes, or IAM), a throttle per route, and JSON access logs that name the caller.
 */
export class TallyApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** With IAM authorization: one managed policy per scope, allowing exactly its routes. */
  readonly scopePolicies: ReadonlyMap<Scope, iam.ManagedPolicy>;
  private readonly authorization: RouteAuthorization;
  private readonly authorizer: apigw.IHttpRouteAuthorizer;
  private readonly routeSettings: Record<
    string,
    { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
  > = {};
  private readonly policies = new Map<Scope, iam.ManagedPolicy>();

  constructor(scope: Construct, id: string, props: TallyApiProps) {
    super(scope, id);
    this.authorization = props.authorization;
    this.scopePolicies = this.policies;
    // The default stage is added by hand: HttpApi's own default stage takes no access-log or
    // throttle settings.
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Tally wallet API',
      createDefaultStage: false,
    });
    const auth = props.authorization;
    this.authorizer =
      auth.kind === 'iam'
        ? new HttpIamAuthorizer()
        : new HttpJwtAuthorizer('JwtAuthorizer', auth.issuer, {
            jwtAudience: [...auth.audience],
            authorizerName: 'tally-jwt',
          });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { burstLimit: STAGE_THROTTLE.burstLimit, rateLimit: STAGE_THROTTLE.rateLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            // Who called: an IAM principal, or a token's subject and client.
            caller: '$context.identity.userArn',
            subject: '$context.authorizer.claims.sub',
            clientId: '$context.authorizer.claims.client_id',
          }),
        ),
      },
    });
    const cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    cfnStage.addPropertyOverride(
      'RouteSettings',
      Lazy.any({
        produce: () => (Object.keys(this.routeSettings).length > 0 ? this.routeSettings : undefined),
      }),
    );
  }

  /** The route, behind the authorizer its wiring `auth` names, with its throttle on the stage. */
  addRoute(route: RouteSpec, integration: HttpLambdaIntegration): void {
    const auth = this.authorization;
    const [httpRoute] = this.httpApi.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration,
      ...('scopes' in route.auth
        ? {
            authorizer: this.authorizer,
            // API Gateway lets a token through when it carries ANY of these (IAM takes no scopes).
            ...(auth.kind === 'jwt'
              ? { authorizationScopes: route.auth.scopes.map((scope) => `${auth.scopePrefix}${scope}`) }
              : {}),
          }
        : { authorizer: new apigw.HttpNoneAuthorizer() }),
    });
    if (httpRoute === undefined)
      throw new Error(`API Gateway created no route for ${route.method} ${route.path}`);
    const routeKey = `${route.method} ${route.path}`;
    const throttle = routeThrottle(route);
    this.routeSettings[routeKey] = {
      ThrottlingRateLimit: throttle.rateLimit,
      ThrottlingBurstLimit: throttle.burstLimit,
    };
    // Route settings name a route key; CloudFormation must create the route first.
    this.stage.node.addDependency(httpRoute);

    if ('public' in route.auth) {
      // Only here, on this one route, and with the wiring's own reason.
      Validations.of(httpRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `Public by the wiring table: ${route.auth.public}`,
      });
    } else if (auth.kind === 'iam') {
      this.allowInScopePolicies(route, route.auth.scopes);
    }
  }

  /**
   * IAM has no scopes, so each scope becomes a managed policy allowing execute-api:Invoke on the
   * routes that scope opens; attach them to the roles of the services that call Tally.
   */
  private allowInScopePolicies(route: RouteSpec, scopes: readonly Scope[]): void {
    // A path parameter is `*` in an execute-api ARN.
    const resourcePath = route.path.replace(/\{[^}]+\}/g, '*');
    const arn = this.httpApi.arnForExecuteApi(route.method, resourcePath, '$default');
    for (const scope of scopes) {
      let policy = this.policies.get(scope);
      if (policy === undefined) {
        const id = `Scope${scope
          .split(/[^A-Za-z0-9]+/)
          .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
          .join('')}`;
        policy = new iam.ManagedPolicy(this, id, {
          description: `Tally scope ${scope}: may call the routes that need it (SigV4, -c auth=iam)`,
        });
        this.policies.set(scope, policy);
      }
      if (resourcePath.includes('*')) {
        // cdk-nag names each wildcard resource; acknowledge exactly this route's ARN.
        const apiId = Stack.of(this).resolve(
          (this.httpApi.node.defaultChild as CfnElement).logicalId,
        ) as string;
        Validations.of(policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/$default/${route.method}${resourcePath}]`,
          reason: `The * stands for the path parameter of ${route.method} ${route.path}: one route of this API and stage, which the ${scope} scope opens.`,
        });
      }
      policy.addStatements(new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [arn] }));
    }
  }
}
