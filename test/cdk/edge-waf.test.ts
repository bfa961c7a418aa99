import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TallyStack } from '../../lib/tally-stack.ts';
import { JWT, logicalId, newApp, projectRoot, synth } from './support.ts';

describe('CloudFront + WAF in front of the API (-c waf=true)', () => {
  const { stack, template } = synth({}, { waf: 'true', wafIpRateLimit: '3000', wafTokenRateLimit: '600' });

  it('has a CLOUDFRONT web ACL that blocks a client IP, and a bearer token, over their 5-minute limits', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      Rules: [
        {
          Name: 'per-ip',
          Priority: 0,
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: { Limit: 3000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' },
          },
          VisibilityConfig: Match.objectLike({ CloudWatchMetricsEnabled: true }),
        },
        {
          Name: 'per-token',
          Priority: 1,
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: {
              Limit: 600,
              EvaluationWindowSec: 300,
              AggregateKeyType: 'CUSTOM_KEYS',
              CustomKeys: [
                { Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
              ],
            },
          },
          VisibilityConfig: Match.objectLike({ CloudWatchMetricsEnabled: true }),
        },
      ],
    });
  });

  it('fronts the API with an uncached distribution that uses the web ACL and forwards all but Host', () => {
    const edge = stack.edge;
    if (edge === undefined) throw new Error('no edge');
    const distribution =
      template.toJSON().Resources[logicalId(edge.distribution)].Properties.DistributionConfig;
    expect(distribution.WebACLId).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(edge.webAcl), 'Arn'] });
    expect(distribution.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // AllViewerExceptHostHeader
    });
    expect(JSON.stringify(distribution.Origins)).toContain(logicalId(stack.api));
  });

  it('is off by default', () => {
    const plain = synth();
    expect(plain.stack.edge).toBeUndefined();
    expect(plain.template.findResources('AWS::WAFv2::WebACL')).toEqual({});
    expect(plain.template.findResources('AWS::CloudFront::Distribution')).toEqual({});
  });

  it('refuses a stack outside us-east-1 (a CLOUDFRONT web ACL lives there)', () => {
    const outside = () =>
      new TallyStack(newApp(), 'Tally', {
        projectRoot,
        auth: JWT,
        waf: {},
        env: { account: '123456789012', region: 'eu-west-1' },
      });
    expect(outside).toThrow(/us-east-1/);
    expect(
      () =>
        new TallyStack(newApp(), 'Tally', {
          projectRoot,
          auth: JWT,
          waf: {},
          env: { account: '123456789012', region: 'us-east-1' },
        }),
    ).not.toThrow();
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => synth({}, { waf: 'true', wafIpRateLimit: 'lots' })).toThrow(/positive integer/);
  });
});
