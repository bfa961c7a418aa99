import { RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV, FUNCTIONS, RULE_SET_PARTITION } from '../../lib/wiring.ts';
import {
  actionList,
  actionsOf,
  functionLogicalId,
  logicalId,
  MSK,
  roleLogicalId,
  specOf,
  statementsOf,
  synth,
  WRITE_ACTIONS,
  withSpec,
} from './support.ts';

describe('event-store table', () => {
  it('has pk/sk string keys, on-demand billing, a new-image stream and point-in-time recovery', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('keeps a keys-only stream with -c streamViewType=KEYS_ONLY (a table deployed before images), and refuses other values', () => {
    const { template } = synth({}, { streamViewType: 'KEYS_ONLY' });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'KEYS_ONLY' },
    });
    expect(() => synth({}, { streamViewType: 'NEW_AND_OLD_IMAGES' })).toThrow(/streamViewType/);
  });

  it('expires job items by TTL (expiresAt); nothing else carries the attribute', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is retained and deletion-protected by default, with its queues', () => {
    const { template } = synth();
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
  });

  it('is deleted with a dev stack when asked to', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    template.allResources('AWS::SQS::Queue', { DeletionPolicy: 'Delete' });
  });
});

describe('table grants follow tableAccess', () => {
  const { stack, template } = synth({ msk: MSK });
  const tableArn = { 'Fn::GetAtt': [logicalId(stack.table), 'Arn'] };
  const dynamoStatements = (name: string) =>
    statementsOf(template, roleLogicalId(stack, name)).filter((statement) =>
      actionList(statement).some((action) => action.startsWith('dynamodb:')),
    );

  it.each(
    FUNCTIONS.filter((spec) => spec.tableAccess === 'read-write' && spec.tablePartitions === undefined).map(
      (spec) => [spec.name],
    ),
  )('%s (read-write) may put, update and condition-check items, which TransactWriteItems needs', (name) => {
    const actions = actionsOf(template, roleLogicalId(stack, name));
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:Query',
      ]),
    );
  });

  it.each(FUNCTIONS.filter((spec) => spec.tableAccess === 'read').map((spec) => [spec.name]))(
    '%s (read) may read but has no write action',
    (name) => {
      const actions = actionsOf(template, roleLogicalId(stack, name));
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
      expect(actions.filter((action) => WRITE_ACTIONS.includes(action))).toEqual([]);
      expect(actions.some((action) => action === '*' || action === 'dynamodb:*')).toBe(false);
    },
  );

  it('gives events (it only enqueues) no table action and no table name', () => {
    expect(specOf('events').tableAccess).toBe('none');
    expect(dynamoStatements('events')).toEqual([]);
    const env =
      template.toJSON().Resources[functionLogicalId(stack, 'events')].Properties.Environment.Variables;
    expect(env[ENV.tableName]).toBeUndefined();
  });

  it('holds rules to the rule-set partition: item actions only, each on RULESET keys, no Scan', () => {
    expect(specOf('rules').tablePartitions).toEqual([RULE_SET_PARTITION]);
    const statements = dynamoStatements('rules');
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:ConditionCheckItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
        ],
        Resource: tableArn,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['RULESET'] } },
      },
    ]);
  });

  it('applies tablePartitions to read-only functions too, without write actions', () => {
    const held = synth({
      functions: withSpec('details', (spec) => ({ ...spec, tablePartitions: ['WALLET#a'] })),
    });
    const statements = statementsOf(held.template, roleLogicalId(held.stack, 'details')).filter((statement) =>
      actionList(statement).some((action) => action.startsWith('dynamodb:')),
    );
    expect(statements).toHaveLength(1);
    expect(actionList(statements[0] as never)).toEqual([
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:ConditionCheckItem',
    ]);
    expect(statements[0]?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['WALLET#a'] },
    });
  });

  it('grants every other table action on the table and its indexes only', () => {
    for (const spec of FUNCTIONS) {
      for (const statement of dynamoStatements(spec.name)) {
        const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
        for (const resource of resources) {
          // The stream grant of the projector, ListStreams ("*", acknowledged in cdk-nag), or the table.
          expect(JSON.stringify(resource), spec.name).toMatch(
            new RegExp(`${logicalId(stack.table)}|^"\\*"$`),
          );
        }
      }
    }
  });
});
