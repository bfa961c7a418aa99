import { Annotations, CfnOutput, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface EdgeWafProps {
  api: apigw.HttpApi;
  /** Requests per client IP per 5 minutes before WAF blocks it. @default 2000 */
  ipRateLimit?: number;
  /** Requests per bearer token (Authorization header) per 5 minutes. @default 1000 */
  tokenRateLimit?: number;
}

/**
 * An optional edge in front of the HTTP API (`-c waf=true`): a CloudFront distribution with a WAF
 * web ACL. WAF cannot be associated with an API Gateway HTTP API (only REST APIs, CloudFront,
 * ALB, AppSync, Cognito, App Runner, Amplify, Verified Access), so CloudFront carries it. Two
 * rate-based rules give the per-client limit HTTP APIs lack (they have no usage plans or API
 * keys): one per source IP, one per bearer token. A CLOUDFRONT-scoped web ACL must be created in
 * us-east-1, so the stack must be deployed there with this option.
 */
export class EdgeWaf extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: EdgeWafProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region) && region !== 'us-east-1') {
      throw new Error(
        `-c waf=true needs the stack in us-east-1 (a CloudFront web ACL lives there), not ${region}`,
      );
    }
    if (Token.isUnresolved(region)) {
      Annotations.of(this).addWarningV2(
        'tally:waf-region',
        'The WAF web ACL is CLOUDFRONT-scoped: deploy this stack in us-east-1.',
      );
    }
    const rateRule = (
      name: string,
      priority: number,
      limit: number,
      statement: Pick<wafv2.CfnWebACL.RateBasedStatementProperty, 'aggregateKeyType' | 'customKeys'>,
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      action: { block: {} },
      statement: { rateBasedStatement: { limit, evaluationWindowSec: 300, ...statement } },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: name },
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'tally' },
      rules: [
        rateRule('per-ip', 0, props.ipRateLimit ?? 2000, { aggregateKeyType: 'IP' }),
        // Requests without the header are not counted by this rule (the IP rule still is).
        rateRule('per-token', 1, props.tokenRateLimit ?? 1000, {
          aggregateKeyType: 'CUSTOM_KEYS',
          customKeys: [
            { header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } },
          ],
        }),
      ],
    });
    const apiDomain = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Tally API behind WAF',
      webAclId: this.webAcl.attrArn,
      defaultBehavior: {
        origin: new origins.HttpOrigin(apiDomain, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        // An API answer is never cached; every header but Host (API Gateway needs its own) goes on.
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'A ledger API has no country restriction of its own; operators add geo rules to the web ACL if needed.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        'API Gateway access logs already record every request (with caller); CloudFront logs would duplicate them.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The default CloudFront certificate (no custom domain) fixes the viewer TLS policy; add a domain and certificate to raise it.',
    });
    new CfnOutput(this, 'EdgeUrl', {
      value: `https://${this.distribution.distributionDomainName}`,
      description: 'Base URL of the API behind CloudFront and WAF',
    });
  }
}
