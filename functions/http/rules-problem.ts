import type { RuleError } from '#rules/types.ts';
import { HttpProblem } from './problem.ts';

/** 422 for a rule set that does not compile, every error with its line and column. */
export function invalidRules(errors: readonly RuleError[]): HttpProblem {
  const [first] = errors;
  return new HttpProblem({
    status: 422,
    code: 'invalid-rules',
    title: 'Invalid rule set',
    detail: first
      ? `${errors.length} error(s); first at line ${first.line}, column ${first.column}: ${first.message}`
      : 'The rule set does not compile.',
    extensions: { errors },
  });
}
