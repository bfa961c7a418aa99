import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV, SCOPES } from '../../lib/wiring.ts';
import { functionLogicalId, logicalId, ROUTES, synth } from './support.ts';

const GUARDED = ROUTES.filter(({ route }) => 'scopes' in route.auth);
const routesOf = (template: ReturnType<typeof synth>['template']) =>
  new Map(
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => [
      route.Properties.RouteKey as string,
      route.Properties,
    ]),
  );

describe('no open API', () => {
  it('refuses to synthesize without an issuer, cognito or IAM, saying what to pass', () => {
    expect(() => synth({ auth: undefined })).toThrow(
      /will not synthesize an API without authorization.*-c jwtIssuer=.*-c jwtAudience=.*-c cognito=true.*-c auth=iam/,
    );
  });

  it('refuses an issuer without an audience, a non-https issuer, two modes at once, or an unknown mode', () => {
    expect(() => synth({ auth: undefined }, { jwtIssuer: 'https://idp.example/' })).toThrow(
      /needs jwtAudience/,
    );
    expect(() =>
      synth({ auth: undefined }, { jwtIssuer: 'http://idp.example/', jwtAudience: 'tally' }),
    ).toThrow(/https URL/);
    expect(() => synth({ auth: undefined }, { auth: 'iam', jwtIssuer: 'https://idp.example/' })).toThrow(
      /choose one authorization mode/,
    );
    expect(() => synth({ auth: undefined }, { auth: 'none' })).toThrow(/auth must be jwt, iam or cognito/);
  });
});

describe('JWT from the context (-c jwtIssuer -c jwtAudience)', () => {
  const { stack, template } = synth(
    { auth: undefined },
    { jwtIssuer: 'https://tenant.eu.auth0.com/', jwtAudience: 'https://api.tally, tally-m2m' },
  );

  it('configures the authorizer with the issuer and every audience', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: {
        Issuer: 'https://tenant.eu.auth0.com/',
        Audience: ['https://api.tally', 'tally-m2m'],
      },
    });
    expect(stack.authorization).toEqual({
      kind: 'jwt',
      issuer: 'https://tenant.eu.auth0.com/',
      audience: ['https://api.tally', 'tally-m2m'],
      scopePrefix: '',
    });
  });

  it('puts a namespace prefix before every scope when the issuer uses one, and tells the functions', () => {
    const prefixed = synth(
      { auth: undefined },
      { jwtIssuer: 'https://idp.example/', jwtAudience: 'tally', jwtScopePrefix: 'api://tally/' },
    );
    const routes = routesOf(prefixed.template);
    expect(routes.get('POST /deposit')?.AuthorizationScopes).toEqual(['api://tally/wallets:write']);
    const env =
      prefixed.template.toJSON().Resources[functionLogicalId(prefixed.stack, 'deposit')].Properties
        .Environment.Variables;
    expect(env[ENV.scopePrefix]).toBe('api://tally/');
  });
});

describe('IAM (-c auth=iam), for service-to-service deployments', () => {
  const { stack, template } = synth({ auth: undefined }, { auth: 'iam' });
  const routes = routesOf(template);

  it('signs every non-public route with SigV4, and no route has a JWT authorizer or scopes', () => {
    for (const { routeKey } of GUARDED) {
      expect(routes.get(routeKey)?.AuthorizationType, routeKey).toBe('AWS_IAM');
      expect(routes.get(routeKey)?.AuthorizationScopes, routeKey).toBeUndefined();
    }
    expect(routes.get('GET /health')?.AuthorizationType).toBe('NONE');
    expect(template.findResources('AWS::ApiGatewayV2::Authorizer')).toEqual({});
  });

  it('turns each scope into a managed policy that may invoke exactly that scope’s routes', () => {
    const apiId = logicalId(stack.api);
    const used = [
      ...new Set(GUARDED.flatMap(({ route }) => ('scopes' in route.auth ? route.auth.scopes : []))),
    ];
    expect([...stack.scopePolicies.keys()].sort()).toEqual(used.sort());
    for (const scope of used) {
      const policy = stack.scopePolicies.get(scope);
      if (policy === undefined) throw new Error(scope);
      const document = template.toJSON().Resources[logicalId(policy)].Properties.PolicyDocument;
      const expected = GUARDED.filter(
        ({ route }) => 'scopes' in route.auth && route.auth.scopes.includes(scope),
      ).map(({ route }) => ({
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':execute-api:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':',
              { Ref: apiId },
              `/$default/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`,
            ],
          ],
        },
      }));
      expect(document.Statement, scope).toEqual(expected);
      template.hasOutput(`${policy.node.id}PolicyArn`, { Value: { Ref: logicalId(policy) } });
    }
  });

  it('grants admin only the admin routes', () => {
    const admin = stack.scopePolicies.get('admin');
    if (admin === undefined) throw new Error('no admin policy');
    const resources = template
      .toJSON()
      .Resources[logicalId(admin)].Properties.PolicyDocument.Statement.map(
        (statement: { Resource: { 'Fn::Join': [string, unknown[]] } }) =>
          statement.Resource['Fn::Join'][1].at(-1),
      );
    expect(resources.sort()).toEqual(
      [
        '/$default/PUT/rules',
        '/$default/PUT/decision-rules',
        '/$default/POST/replay',
        '/$default/GET/replay/*',
        '/$default/POST/republish',
        '/$default/GET/republish/*',
        '/$default/POST/wallets/*/corrections',
        '/$default/POST/rules/backtest',
        '/$default/GET/rules/backtest/*',
        '/$default/GET/dead-letters',
        '/$default/GET/dead-letters/*',
        '/$default/POST/dead-letters/redrive',
        '/$default/POST/dead-letters/*/redrive',
      ].sort(),
    );
  });
});

describe('Cognito (-c cognito=true)', () => {
  const { stack, template } = synth(
    { auth: undefined },
    { cognito: 'true', cognitoDomainPrefix: 'tally-test' },
  );

  it('creates a user pool without self sign-up, and a resource server carrying every wiring scope', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'tally',
      Scopes: SCOPES.map((scope) => ({ ScopeName: scope, ScopeDescription: `Tally ${scope}` })),
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'tally-test' });
  });

  it('has a machine-to-machine client (client credentials, a secret, the tally scopes)', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthFlowsUserPoolClient: true,
      // `<resource server identifier>/<scope>`; the identifier is `tally`.
      AllowedOAuthScopes: SCOPES.map((scope) => ({
        'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('^CognitoUserPoolTally') }, `/${scope}`]],
      })),
    });
  });

  it('is the JWT issuer: its provider URL, its client id as audience, and tally/ before each scope', () => {
    const cognito = stack.cognito;
    if (cognito === undefined) throw new Error('no Cognito');
    const poolId = logicalId(cognito.userPool);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: {
        Issuer: { 'Fn::GetAtt': [poolId, 'ProviderURL'] },
        Audience: [{ Ref: logicalId(cognito.serviceClient) }],
      },
    });
    const routes = routesOf(template);
    for (const { routeKey, route } of GUARDED) {
      const scopes = 'scopes' in route.auth ? route.auth.scopes : [];
      expect(routes.get(routeKey)?.AuthorizationScopes, routeKey).toEqual(
        scopes.map((scope) => `tally/${scope}`),
      );
    }
    const env =
      template.toJSON().Resources[functionLogicalId(stack, 'wallets')].Properties.Environment.Variables;
    expect(env[ENV.scopePrefix]).toBe('tally/');
    template.hasOutput('*', { Value: { Ref: logicalId(cognito.serviceClient) } });
    template.hasOutput('*', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
  });

  it('is not created in the other modes', () => {
    expect(synth().template.findResources('AWS::Cognito::UserPool')).toEqual({});
  });
});
