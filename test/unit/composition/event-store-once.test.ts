import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGroupEnabled } from '#app/group-commit.ts';
import { eventStoreFromEnv } from '#composition/adapters.ts';
import { storesFromEnv } from '#composition/lambda.ts';
import { ENV } from '#lib/wiring.ts';

/**
 * A function instance has one event store: the narrow builder (deposit, transfers, holds) and the
 * full set of stores hand out the same object, so group commit queues one wallet's commands in one
 * place whichever builder a handler used.
 */
describe('the event store of a function instance', () => {
  const saved = process.env[ENV.tableName];
  beforeEach(() => {
    process.env[ENV.tableName] = 'tally-test';
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[ENV.tableName];
    else process.env[ENV.tableName] = saved;
  });

  it('is one object, with group commit enabled (TALLY_GROUP_COMMIT unset)', () => {
    const events = eventStoreFromEnv();
    expect(storesFromEnv().events).toBe(events);
    expect(eventStoreFromEnv()).toBe(events);
    expect(isGroupEnabled(events)).toBe(process.env[ENV.groupCommit] !== 'off');
    expect(Object.keys(storesFromEnv()).sort()).toEqual([
      'events',
      'jobs',
      'readModels',
      'ruleSets',
      'snapshots',
    ]);
  });
});
