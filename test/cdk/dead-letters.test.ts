import { describe, expect, it } from 'vitest';
import {
  actionList,
  jobsQueuesOf,
  MSK,
  queuesOf,
  roleLogicalId,
  sendTargetsOf,
  statementsOf,
  synth,
} from './support.ts';

/** The logical ids a statement's resources name through Fn::GetAtt [id, Arn]. */
const targets = (resource: unknown): string[] =>
  (Array.isArray(resource) ? resource : [resource]).flatMap((entry) => {
    const getAtt = (entry as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    return getAtt === undefined ? [] : [getAtt[0]];
  });

describe('the dead-letters function (issue 15 §1)', () => {
  const { stack, template } = synth({ msk: MSK });
  const { queueId, dlqId } = queuesOf(stack);
  const { jobsQueueId, jobsDlqId } = jobsQueuesOf(stack);
  const roleId = roleLogicalId(stack, 'dead-letters');

  it('may receive and delete from the two DLQs only, and send only to their source queues', () => {
    const statements = statementsOf(template, roleId);
    const consumers = statements.filter((statement) => actionList(statement).includes('sqs:DeleteMessage'));
    expect(consumers.flatMap((statement) => targets(statement.Resource)).sort()).toEqual(
      [dlqId, jobsDlqId].sort(),
    );
    expect(
      consumers.every((statement) => actionList(statement).includes('sqs:ChangeMessageVisibility')),
    ).toBe(true);
    expect(sendTargetsOf(template, roleId).sort()).toEqual([queueId, jobsQueueId].sort());
  });

  it('has no table access', () => {
    expect(
      statementsOf(template, roleId)
        .flatMap(actionList)
        .some((action) => action.startsWith('dynamodb:')),
    ).toBe(false);
  });
});
