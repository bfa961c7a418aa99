import { describe, expect, it } from 'vitest';
import { ENV, FUNCTIONS } from '../../lib/wiring.ts';
import {
  functionLogicalId,
  functionOf,
  jobsQueuesOf,
  logicalId,
  MSK,
  queuesOf,
  roleLogicalId,
  synth,
  WITHOUT_MSK,
  withSpec,
} from './support.ts';

describe('functions from the wiring table', () => {
  const { stack, template } = synth({ msk: MSK });
  const { queueId, dlqId } = queuesOf(stack);
  const { jobsQueueId, jobsDlqId } = jobsQueuesOf(stack);
  const resources = template.toJSON().Resources;

  it('deploys each wiring entry as its own Lambda, named by the wiring, and nothing else', () => {
    expect([...stack.functions.keys()].sort()).toEqual(FUNCTIONS.map((spec) => spec.name).sort());
    const deployed = Object.entries(template.findResources('AWS::Lambda::Function'))
      .map(([id, fn]) => ({ id, description: fn.Properties.Description }))
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(deployed).toEqual(
      FUNCTIONS.map((spec) => ({
        id: functionLogicalId(stack, spec.name),
        description: spec.description,
      })).sort((a, b) => a.id.localeCompare(b.id)),
    );
    // Each with its own role: no two functions share permissions.
    expect(new Set(FUNCTIONS.map((spec) => roleLogicalId(stack, spec.name))).size).toBe(FUNCTIONS.length);
  });

  it.each(FUNCTIONS.map((spec) => [spec.name, spec] as const))(
    '%s runs on Node.js 24, arm64, with its own log group and only the table name and queue URLs it uses',
    (name, spec) => {
      // The stack's one generated secret: the checkpoint key (lib/constructs/checkpoint-key.ts).
      const checkpointKeyId = () =>
        Object.keys(resources).find((id) => resources[id].Type === 'AWS::SecretsManager::Secret');
      const logGroupId = logicalId(functionOf(stack, name).logGroup);
      const fn = resources[functionLogicalId(stack, name)].Properties;
      expect(fn).toMatchObject({
        Description: spec.description,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: spec.memoryMb,
        Timeout: spec.timeoutSeconds,
        Role: { 'Fn::GetAtt': [roleLogicalId(stack, name), 'Arn'] },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logGroupId } },
      });
      // Exact: no admin token, no local endpoint, no URL of a queue the function may not use.
      expect(fn.Environment.Variables).toEqual({
        ...(spec.tableAccess === 'none' ? {} : { [ENV.tableName]: { Ref: logicalId(stack.table) } }),
        ...(spec.sendsToEventsQueue === true ? { [ENV.eventsQueueUrl]: { Ref: queueId } } : {}),
        ...(spec.sendsToEventsDlq === true ? { [ENV.eventsDlqUrl]: { Ref: dlqId } } : {}),
        ...(spec.sendsToJobsQueue === true ? { [ENV.jobsQueueUrl]: { Ref: jobsQueueId } } : {}),
        ...(spec.redrivesDeadLetters === true
          ? {
              [ENV.eventsQueueUrl]: { Ref: queueId },
              [ENV.eventsDlqUrl]: { Ref: dlqId },
              [ENV.jobsQueueUrl]: { Ref: jobsQueueId },
              [ENV.jobsDlqUrl]: { Ref: jobsDlqId },
            }
          : {}),
        ...(spec.publishesEvents === true || spec.republishesEvents === true
          ? { [ENV.eventBusName]: { Ref: logicalId(stack.eventBus) }, [ENV.eventsSource]: 'tally/Tally' }
          : {}),
        ...(spec.takesPayments === true ? { [ENV.paymentProvider]: 'sandbox' } : {}),
        ...(spec.checkpointKey === true
          ? {
              [ENV.checkpointKeySecretArn]: { Ref: checkpointKeyId() },
              [ENV.checkpointMode]: spec.tableAccess === 'read-write' ? 'sign' : 'verify',
            }
          : {}),
        POWERTOOLS_SERVICE_NAME: 'tally',
        POWERTOOLS_METRICS_NAMESPACE: 'Tally',
        // No NODE_OPTIONS: stacks are source-mapped lazily by the functions themselves.
      });
      expect(fn.ReservedConcurrentExecutions).toBeUndefined();
      expect(resources[logGroupId].Properties.RetentionInDays).toBe(30);
    },
  );

  it('passes the queue URLs to the events and ingest functions', () => {
    const env = (name: string) => resources[functionLogicalId(stack, name)].Properties.Environment.Variables;
    expect(env('events')[ENV.eventsQueueUrl]).toEqual({ Ref: queueId });
    expect(env('ingest-queue')[ENV.eventsDlqUrl]).toEqual({ Ref: dlqId });
    expect(env('ingest-kafka')[ENV.eventsDlqUrl]).toEqual({ Ref: dlqId });
    expect(env('rules')[ENV.adminToken]).toBeUndefined();
  });

  it('passes the jobs queue URL to replay, backtest and run-jobs, and not to corrections', () => {
    const env = (name: string) => resources[functionLogicalId(stack, name)].Properties.Environment.Variables;
    const senders = FUNCTIONS.filter((spec) => spec.sendsToJobsQueue === true).map((spec) => spec.name);
    expect(senders.sort()).toEqual(['backtest', 'replay', 'run-jobs']);
    for (const name of senders) expect(env(name)[ENV.jobsQueueUrl], name).toEqual({ Ref: jobsQueueId });
    expect(env('corrections')[ENV.jobsQueueUrl]).toBeUndefined();
  });

  it('uses no AWS managed policy, except the MSK poller policy on the MSK reader', () => {
    const kafkaRoleId = roleLogicalId(stack, 'ingest-kafka');
    for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
      if (id === kafkaRoleId) {
        expect(role.Properties.ManagedPolicyArns).toEqual([
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaMSKExecutionRole'],
            ],
          },
        ]);
      } else {
        expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
      }
    }
    for (const role of Object.values(synth().template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('leaves out the MSK reader while MSK is off', () => {
    const off = synth();
    expect([...off.stack.functions.keys()].sort()).toEqual(WITHOUT_MSK.map((spec) => spec.name).sort());
  });
});

describe('reserved concurrency', () => {
  it('is off by default, and set per function from the wiring, the props or the context', () => {
    const fromWiring = synth({
      functions: withSpec('deposit', (spec) => ({ ...spec, reservedConcurrency: 40 })),
    });
    const reservedOf = (result: ReturnType<typeof synth>, name: string) =>
      result.template.toJSON().Resources[functionLogicalId(result.stack, name)].Properties
        .ReservedConcurrentExecutions;
    expect(reservedOf(fromWiring, 'deposit')).toBe(40);
    expect(reservedOf(fromWiring, 'events')).toBeUndefined();

    const fromProps = synth({ reservedConcurrency: { events: 20 } });
    expect(reservedOf(fromProps, 'events')).toBe(20);
    expect(reservedOf(fromProps, 'deposit')).toBeUndefined();

    const fromContext = synth({}, { reservedConcurrency: 'deposit=50, events=20' });
    expect(reservedOf(fromContext, 'deposit')).toBe(50);
    expect(reservedOf(fromContext, 'events')).toBe(20);
  });

  it('refuses an unknown function or a count that is not a positive integer', () => {
    expect(() => synth({}, { reservedConcurrency: 'nobody=5' })).toThrow(/no function nobody/);
    expect(() => synth({}, { reservedConcurrency: 'deposit=0' })).toThrow(/positive integer/);
    expect(() => synth({}, { reservedConcurrency: 'deposit' })).toThrow(/name=count/);
  });
});
