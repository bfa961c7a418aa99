import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lib/wiring.ts';
import { functionLogicalId, MSK, roleLogicalId, synth } from './support.ts';

/**
 * Traces in AWS (docs/api.md, "Traces"): every function runs with X-Ray active tracing, so Lambda opens a
 * segment per invocation that the handlers' Powertools Tracer subsegments hang under, and its role
 * may send segments. Tracing is not switched off by configuration.
 */
describe('tracing', () => {
  const { stack, template } = synth({ msk: MSK });
  const resources = template.toJSON().Resources;

  it.each(FUNCTIONS.map((spec) => [spec.name] as const))('%s has X-Ray active tracing', (name) => {
    const fn = resources[functionLogicalId(stack, name)].Properties;
    expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
    expect(fn.Environment.Variables.POWERTOOLS_TRACE_ENABLED).toBeUndefined();
  });

  it.each(FUNCTIONS.map((spec) => [spec.name] as const))('%s may put trace segments', (name) => {
    const role = roleLogicalId(stack, name);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.Roles as unknown[]).some(
          (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: role }),
        ),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
  });
});
