import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE_THROTTLE, routeThrottle, STAGE_THROTTLE } from '../../lib/constructs/api.ts';
import { FUNCTIONS, isAdminRoute } from '../../lib/wiring.ts';
import { functionLogicalId, jobsQueuesOf, logicalId, queuesOf, ROUTES, synth, withSpec } from './support.ts';

const PUBLIC_ROUTES = ROUTES.filter(({ route }) => 'public' in route.auth);
const GUARDED_ROUTES = ROUTES.filter(({ route }) => 'scopes' in route.auth);

describe('HTTP API routes (JWT authorizer, the default)', () => {
  const { stack, template } = synth();
  const routes = template.findResources('AWS::ApiGatewayV2::Route');
  const routeByKey = new Map(
    Object.values(routes).map((route) => [route.Properties.RouteKey, route.Properties]),
  );
  const authorizers = template.findResources('AWS::ApiGatewayV2::Authorizer');
  const [authorizerId, ...moreAuthorizers] = Object.keys(authorizers);

  it('serves exactly the wiring routes', () => {
    expect([...routeByKey.keys()].sort()).toEqual(ROUTES.map(({ routeKey }) => routeKey).sort());
  });

  it('has one JWT authorizer reading the bearer token, with the issuer and audience it was given', () => {
    expect(moreAuthorizers).toEqual([]);
    expect(authorizers[authorizerId as string]?.Properties).toEqual({
      ApiId: { Ref: logicalId(stack.api) },
      Name: 'tally-jwt',
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://issuer.example/', Audience: ['tally'] },
    });
  });

  it('has routes that need scopes', () => {
    expect(GUARDED_ROUTES.length).toBeGreaterThan(10);
  });

  it.each(
    GUARDED_ROUTES.map(({ routeKey, route }) => [routeKey, 'scopes' in route.auth ? route.auth.scopes : []]),
  )('%s needs a JWT with exactly the wiring scopes %j', (routeKey, scopes) => {
    expect(routeByKey.get(routeKey)).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: authorizerId },
      AuthorizationScopes: [...scopes],
    });
  });

  it.each(PUBLIC_ROUTES.map(({ routeKey }) => [routeKey]))(
    '%s is public, as the wiring says with a reason',
    (key) => {
      const route = routeByKey.get(key);
      expect(route?.AuthorizationType).toBe('NONE');
      expect(route?.AuthorizerId).toBeUndefined();
      expect(route?.AuthorizationScopes).toBeUndefined();
    },
  );

  it('opens no route the wiring does not mark public: only GET /health, the contract (/openapi.json, /docs) and the payment webhook', () => {
    const open = [...routeByKey.values()]
      .filter((route) => route.AuthorizationType === 'NONE')
      .map((route) => route.RouteKey)
      .sort();
    expect(open).toEqual(['GET /docs', 'GET /health', 'GET /openapi.json', 'POST /payments/webhook']);
  });

  it('needs the admin scope for every admin route, and for nothing else', () => {
    const admin = [...routeByKey.values()]
      .filter((route) => (route.AuthorizationScopes ?? []).includes('admin'))
      .map((route) => route.RouteKey)
      .sort();
    expect(admin).toEqual(
      ROUTES.filter(({ route }) => isAdminRoute(route))
        .map(({ routeKey }) => routeKey)
        .sort(),
    );
    expect(admin).toEqual(
      [
        'PUT /rules',
        'PUT /decision-rules',
        'POST /replay',
        'GET /replay/{jobId}',
        'POST /wallets/{wallet_id}/corrections',
        'POST /rules/backtest',
        'GET /rules/backtest/{jobId}',
        'POST /republish',
        'GET /republish/{jobId}',
        'GET /dead-letters',
        'GET /dead-letters/{id}',
        'POST /dead-letters/redrive',
        'POST /dead-letters/{id}/redrive',
      ].sort(),
    );
    expect(routeByKey.get('POST /deposit')?.AuthorizationScopes).toEqual(['wallets:write']);
    expect(routeByKey.get('POST /events')?.AuthorizationScopes).toEqual(['events:write']);
  });

  it.each(ROUTES.map(({ spec, routeKey }) => [routeKey, spec.name]))('%s invokes %s', (routeKey, name) => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
      Properties: {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [functionLogicalId(stack, name), 'Arn'] },
      },
    });
    const integrationIds = Object.keys(integrations);
    expect(integrationIds).toHaveLength(1);
    expect(routeByKey.get(routeKey)?.Target).toEqual({
      'Fn::Join': ['', ['integrations/', { Ref: integrationIds[0] }]],
    });
  });
});

describe('HTTP API stage', () => {
  const { stack, template } = synth();
  const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];

  it('is the $default stage with a stage-wide throttle and JSON access logs naming the caller', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingBurstLimit: STAGE_THROTTLE.burstLimit,
        ThrottlingRateLimit: STAGE_THROTTLE.rateLimit,
      },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        Format: Match.serializedJson(
          Match.objectLike({
            requestId: '$context.requestId',
            caller: '$context.identity.userArn',
            subject: '$context.authorizer.claims.sub',
            clientId: '$context.authorizer.claims.client_id',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
  });

  it('throttles every route on its own, by kind: admin lowest, then writes, reads; health for probes', () => {
    const expected = Object.fromEntries(
      ROUTES.map(({ route, routeKey }) => {
        const throttle = routeThrottle(route);
        return [
          routeKey,
          { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit },
        ];
      }),
    );
    expect(stage?.Properties.RouteSettings).toEqual(expected);
    const rate = (key: string) => stage?.Properties.RouteSettings[key].ThrottlingRateLimit;
    expect(rate('PUT /rules')).toBe(DEFAULT_ROUTE_THROTTLE.admin.rateLimit);
    expect(rate('POST /deposit')).toBe(DEFAULT_ROUTE_THROTTLE.write.rateLimit);
    expect(rate('GET /wallets/{wallet_id}')).toBe(DEFAULT_ROUTE_THROTTLE.read.rateLimit);
    expect(rate('GET /health')).toBe(DEFAULT_ROUTE_THROTTLE.public.rateLimit);
    for (const throttle of Object.values(DEFAULT_ROUTE_THROTTLE)) {
      expect(throttle.rateLimit).toBeLessThanOrEqual(STAGE_THROTTLE.rateLimit);
      expect(throttle.burstLimit).toBeGreaterThanOrEqual(throttle.rateLimit);
    }
  });

  it('takes a route throttle from the wiring when it names one', () => {
    const custom = synth({
      functions: withSpec('deposit', (spec) => ({
        ...spec,
        routes: (spec.routes ?? []).map((route) => ({ ...route, throttle: { rateLimit: 7, burstLimit: 9 } })),
      })),
    });
    custom.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: Match.objectLike({
        'POST /deposit': { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 },
      }),
    });
  });

  it('is created after its routes (route settings name route keys)', () => {
    const routeIds = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(stage?.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('outputs the API URL, the table name and the queue URLs', () => {
    const { queueId, dlqId } = queuesOf(stack);
    const { jobsQueueId, jobsDlqId } = jobsQueuesOf(stack);
    template.hasOutput('JobsQueueUrl', { Value: { Ref: jobsQueueId } });
    template.hasOutput('JobsDlqUrl', { Value: { Ref: jobsDlqId } });
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApi'), 'ApiEndpoint'] },
    });
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.table) } });
    template.hasOutput('EventsQueueUrl', { Value: { Ref: queueId } });
    template.hasOutput('EventsDlqUrl', { Value: { Ref: dlqId } });
  });

  it('keeps every wiring function that serves routes behind API Gateway only (invoke permission per route)', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
    for (const spec of FUNCTIONS.filter((candidate) => (candidate.routes ?? []).length > 0)) {
      const own = permissions.filter(
        (permission) =>
          JSON.stringify(permission.Properties.FunctionName) ===
          JSON.stringify({ 'Fn::GetAtt': [functionLogicalId(stack, spec.name), 'Arn'] }),
      );
      expect(own.length, spec.name).toBe((spec.routes ?? []).length);
      for (const permission of own) expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
    }
  });
});
