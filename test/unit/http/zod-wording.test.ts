import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cloudEventProblems, cloudEventSchema } from '#app/cloud-event.ts';
import { zodWording } from '#app/zod-wording.ts';
import { backtestBody } from '#http/backtest-body.ts';
import { HttpProblem } from '#http/problem.ts';
import { replayBody } from '#http/replay-body.ts';
import { parseWith } from '#http/request.ts';

/** zod's developer wording ("Invalid input: expected string, received undefined") never reaches a client. */
const ZOD_WORDING =
  /Invalid input|expected \w+, received|Too (big|small)|Invalid (option|string)|Unrecognized key/;

function refusal(schema: z.core.$ZodType, input: unknown): { detail: string; errors: { detail: string }[] } {
  try {
    parseWith(schema, input);
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    return {
      detail: error.problem.detail,
      errors: error.problem.extensions?.errors as { detail: string }[],
    };
  }
  throw new Error('expected a refusal');
}

const plain = z.strictObject({
  name: z.string(),
  count: z.number().int().min(1).max(9),
  mode: z.enum(['a', 'b']),
  tags: z.array(z.string()).min(1).max(2),
  on: z.boolean(),
  code: z.string().regex(/^x+$/),
});

describe('zod issues in our words', () => {
  it.each<[string, unknown, string]>([
    ['a missing field', { count: 1 }, 'name: is required'],
    ['a wrong type', { name: 5 }, 'name: must be a string (got a whole number)'],
    [
      'a fraction for a whole number',
      { name: 'n', count: 1.5 },
      'count: must be a whole number (got a fraction)',
    ],
    ['a number too small', { name: 'n', count: 0 }, 'count: must be at least 1'],
    ['a number too large', { name: 'n', count: 10 }, 'count: must be at most 9'],
    ['a value outside the enum', { name: 'n', count: 1, mode: 'c' }, 'mode: must be one of "a", "b"'],
    ['an empty list', { name: 'n', count: 1, mode: 'a', tags: [] }, 'tags: must not be empty'],
    [
      'a long list',
      { name: 'n', count: 1, mode: 'a', tags: ['1', '2', '3'] },
      'tags: must have at most 2 items',
    ],
    [
      'a text for a boolean',
      { name: 'n', count: 1, mode: 'a', tags: ['t'], on: 'yes' },
      'on: must be true or false (got a string)',
    ],
    [
      'a text of the wrong form',
      { name: 'n', count: 1, mode: 'a', tags: ['t'], on: true, code: 'y' },
      'code: does not have the expected form',
    ],
    [
      'an unknown field',
      { name: 'n', count: 1, mode: 'a', tags: ['t'], on: true, code: 'x', extra: 1 },
      'unknown field(s) extra',
    ],
  ])('words %s', (_name, input, detail) => {
    const refused = refusal(plain, input);
    expect(refused.detail).toBe(detail);
    expect(refused.detail).not.toMatch(ZOD_WORDING);
  });

  it.each<[string, z.core.$ZodType, unknown]>([
    ['backtest walletIds of numbers', backtestBody, { rules: 'x', walletIds: [5] }],
    ['backtest without a body object', backtestBody, 'text'],
    ['backtest with apply as text', backtestBody, { ruleSetVersion: 1, apply: 'yes', walletIds: ['w1'] }],
    ['replay with a numeric wallet', replayBody, { walletId: 5 }],
    ['replay with null', replayBody, null],
  ])('leaks no zod wording for %s', (_name, schema, input) => {
    const refused = refusal(schema, input);
    expect(refused.detail).not.toMatch(ZOD_WORDING);
    for (const error of refused.errors) expect(error.detail).not.toMatch(ZOD_WORDING);
  });

  it('words CloudEvent problems the same way', () => {
    // As the bus and POST /events parse: our wording passed per parse.
    const parsed = cloudEventSchema.safeParse(
      { specversion: '1.0', id: 'e', source: 's', type: 't', subject: 'w', time: 5 },
      { error: zodWording },
    );
    expect(parsed.success).toBe(false);
    const problems = parsed.success ? [] : cloudEventProblems(parsed.error);
    expect(problems).toEqual(['time: must be a string (got a whole number)']);
  });
});
