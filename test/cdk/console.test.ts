import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { App, CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { TallyStack } from '../../lib/tally-stack.ts';
import { logicalId, projectRoot, synth } from './support.ts';

/** A stand-in for console/dist, so these tests need no Vite build. */
const dist = path.join(projectRoot, 'console-dist');
mkdirSync(path.join(dist, 'assets'), { recursive: true });
writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title>');
writeFileSync(path.join(dist, 'assets', 'index.js'), 'export {};');

const CONSOLE = { console: 'true', consoleDist: dist, consoleClientId: 'spa-client' };

function nagErrors(stack: TallyStack) {
  return new AwsSolutionsChecks()
    .validateScope(stack)
    .violations.filter((violation) => violation.severity === 'error')
    .map((violation) => ({
      rule: violation.ruleName,
      at: violation.violatingResources.map((r) => r.constructPath),
    }));
}

describe('the operator console in AWS (-c console=true)', () => {
  const { stack, template } = synth({}, CONSOLE);
  const site = stack.console;

  it('puts the assets in a private, encrypted bucket that only this distribution reads (origin access control)', () => {
    if (site === undefined) throw new Error('no console');
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.anyValue(),
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(site.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    const distribution =
      template.toJSON().Resources[logicalId(site.distribution)].Properties.DistributionConfig;
    expect(distribution.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      FunctionAssociations: [expect.objectContaining({ EventType: 'viewer-request' })],
    });
    expect(distribution.Origins[0].OriginAccessControlId).toBeDefined();
  });

  it('deploys the build under console/ with a config.json, and invalidates the pages that change', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'console/',
      DistributionPaths: ['/console/index.html', '/console/config.json'],
    });
    const deployment = Object.values(template.findResources('Custom::CDKBucketDeployment'))[0];
    // Two sources: the built assets, and the generated config.json (API URL, issuer, client, scopes).
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(2);
    const markers = JSON.stringify(deployment?.Properties.SourceMarkers);
    expect(markers).toContain(logicalId(stack.api));
    // The generated config.json is staged as an asset of its own: the issuer, the client, the scopes.
    const outdir = (stack.node.root as App).outdir;
    const configs = readdirSync(outdir)
      .map((entry) => path.join(outdir, entry, 'config.json'))
      .filter((file) => existsSync(file));
    expect(configs).toHaveLength(1);
    expect(JSON.parse(readFileSync(configs[0] ?? '', 'utf8'))).toEqual({
      apiUrl: '<<marker:0xbaba:0>>',
      auth: {
        kind: 'oidc',
        issuer: 'https://issuer.example/',
        clientId: 'spa-client',
        scopes: ['admin', 'wallets:read', 'wallets:write', 'events:read', 'rules:read'],
      },
    });
    template.hasOutput('*', { Description: 'The operator console' });
  });

  it('lets the console’s origin call the API (CORS), and routes app paths to index.html', () => {
    if (site === undefined) throw new Error('no console');
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: [
          { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(site.distribution), 'DomainName'] }]] },
        ],
        AllowHeaders: Match.arrayWith(['authorization']),
      }),
    });
    const fn = Object.values(template.findResources('AWS::CloudFront::Function'))[0];
    expect(fn?.Properties.FunctionCode).toContain("request.uri = '/console/index.html'");
    // Built assets keep their 404; any other path is a page, ids with dots included.
    expect(fn?.Properties.FunctionCode).toContain("!uri.startsWith('/console/assets/')");
  });

  it('leaves no unacknowledged cdk-nag error', () => {
    expect(nagErrors(stack), JSON.stringify(nagErrors(stack))).toEqual([]);
  });

  it('is off without the context: no bucket, distribution or CORS', () => {
    const plain = synth();
    expect(plain.stack.console).toBeUndefined();
    plain.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    plain.template.resourceCountIs('Custom::CDKBucketDeployment', 0);
    plain.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('with Cognito: a public code+PKCE client back to /console/callback, accepted by the authorizer', () => {
    const cognito = synth({ auth: undefined }, { cognito: 'true', console: 'true', consoleDist: dist });
    const client = cognito.stack.console?.client;
    if (client === undefined) throw new Error('no console client');
    cognito.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      CallbackURLs: [Match.objectLike({ 'Fn::Join': Match.anyValue() })],
    });
    // Each Tally scope names the resource server by reference (not as a string), so CloudFormation
    // creates the resource server first: a client created before it fails with "invalid scope".
    const server = Object.keys(cognito.template.findResources('AWS::Cognito::UserPoolResourceServer'));
    expect(server).toHaveLength(1);
    const consoleClient = cognito.template.toJSON().Resources[
      cognito.stack.resolve((client.node.defaultChild as CfnElement).logicalId)
    ] as { Properties: { AllowedOAuthScopes: unknown[] } };
    const scopes = consoleClient.Properties.AllowedOAuthScopes.map((scope) => {
      if (typeof scope === 'string') return scope;
      const [, parts] = (scope as { 'Fn::Join': [string, [{ Ref?: string }, string]] })['Fn::Join'];
      return `${parts[0].Ref === server[0] ? 'server' : String(parts[0].Ref)}${parts[1]}`;
    });
    expect(scopes).toEqual(expect.arrayContaining(['openid', 'server/admin', 'server/wallets:read']));
    expect(scopes.filter((scope) => scope !== 'openid').every((scope) => scope.startsWith('server/'))).toBe(
      true,
    );
    const authorizer = Object.values(cognito.template.findResources('AWS::ApiGatewayV2::Authorizer'))[0];
    const audience = authorizer?.Properties.JwtConfiguration.Audience as { Ref: string }[];
    expect(audience.map((entry) => entry.Ref)).toEqual([
      expect.stringMatching(/ServiceClient/),
      cognito.stack.resolve((client.node.defaultChild as CfnElement).logicalId),
    ]);
    expect(nagErrors(cognito.stack)).toEqual([]);
  });

  it('refuses IAM authorization, and an external issuer without the console’s client id', () => {
    expect(() => synth({ auth: undefined }, { auth: 'iam', console: 'true', consoleDist: dist })).toThrow(
      /needs JWT authorization/,
    );
    expect(() => synth({}, { console: 'true', consoleDist: dist })).toThrow(/consoleClientId/);
  });
});
