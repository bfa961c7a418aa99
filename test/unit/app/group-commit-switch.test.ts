import { describe, expect, it } from 'vitest';
import { groupCommitFromEnv } from '#composition/config.ts';

describe('groupCommitFromEnv (TALLY_GROUP_COMMIT)', () => {
  it('is on unless the variable says off', () => {
    expect(groupCommitFromEnv({})).toBe(true);
    expect(groupCommitFromEnv({ TALLY_GROUP_COMMIT: 'on' })).toBe(true);
    expect(groupCommitFromEnv({ TALLY_GROUP_COMMIT: 'off' })).toBe(false);
  });
});
