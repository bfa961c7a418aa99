import { afterEach, describe, expect, it } from 'vitest';
import { PROBLEM_BASE_DEFAULT, problemResult, problemType } from '#http/problem.ts';

const saved = process.env.TALLY_PROBLEM_BASE;
afterEach(() => {
  if (saved === undefined) delete process.env.TALLY_PROBLEM_BASE;
  else process.env.TALLY_PROBLEM_BASE = saved;
});

const typeOf = (code: string) =>
  (
    JSON.parse(problemResult({ status: 400, code, title: 'Bad request', detail: 'x' }).body) as {
      type: string;
    }
  ).type;

describe('problem type URIs (issue 15 §9)', () => {
  it('are absolute under https://tally.dev by default, ending in the stable code', () => {
    delete process.env.TALLY_PROBLEM_BASE;
    expect(PROBLEM_BASE_DEFAULT).toBe('https://tally.dev');
    expect(typeOf('invalid-amount')).toBe('https://tally.dev/problems/invalid-amount');
    expect(new URL(typeOf('invalid-amount')).pathname).toBe('/problems/invalid-amount');
  });

  it('follow TALLY_PROBLEM_BASE, with or without a trailing slash', () => {
    process.env.TALLY_PROBLEM_BASE = 'https://docs.example.com/api/';
    expect(typeOf('wallet-not-found')).toBe('https://docs.example.com/api/problems/wallet-not-found');
    expect(problemType('x', 'https://a.test')).toBe('https://a.test/problems/x');
  });

  it('fall back to the default for an empty TALLY_PROBLEM_BASE', () => {
    process.env.TALLY_PROBLEM_BASE = '  ';
    expect(typeOf('x')).toBe('https://tally.dev/problems/x');
  });
});
