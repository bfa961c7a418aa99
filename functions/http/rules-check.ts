import * as z from 'zod/mini';
import { rfc3339Time } from '#app/rfc3339-time.ts';
import { isRuleEvaluationError } from '#rules/types.ts';
import { jsonResult } from './problem.ts';

/**
 * `POST /rules/check`: compiles a candidate rule set (and, given a sample fact, evaluates it) without
 * publishing or reading anything, so an editor can show errors inline as the operator types. A text
 * that does not compile is a 200 with `ok: false` and every error's line and column: the check
 * itself succeeded (PUT /rules answers the same errors as a 422, because there it refuses).
 */
export const ruleCheckBody = z.strictObject({
  rules: z.string().check(z.maxLength(200_000)),
  /** A fact as the rules see it (the CloudEvent envelope); `time` defaults to now, `id`/`source` to placeholders. */
  fact: z.optional(
    z.strictObject({
      type: z.string().check(z.minLength(1), z.maxLength(256)),
      subject: z.string().check(z.minLength(1), z.maxLength(256)),
      source: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
      id: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
      time: z.optional(rfc3339Time),
      data: z.optional(z.unknown()),
    }),
  ),
});
type RuleCheckBody = z.infer<typeof ruleCheckBody>;

export async function checkRules(body: RuleCheckBody, hash: (text: string) => string, nowIso: string) {
  // The full reader (YAML parser) is loaded only when a check or a publish asks for it.
  const { compileRuleSet } = await import('#rules/rule-set.ts');
  const compiled = compileRuleSet(body.rules, { hash });
  if (!compiled.ok) return jsonResult(200, JSON.stringify({ ok: false, errors: compiled.errors, rules: [] }));
  const rules = compiled.ruleSet.rules.map((rule) => ({
    id: rule.id,
    line: rule.line,
    condition: rule.condition,
    points: rule.points,
    description: rule.description ?? null,
  }));
  const answer = { ok: true, errors: [], rules, textHash: compiled.ruleSet.textHash };
  if (body.fact === undefined) return jsonResult(200, JSON.stringify(answer));
  const { fact } = body;
  const sample = {
    id: fact.id ?? 'sample',
    source: fact.source ?? 'console',
    type: fact.type,
    subject: fact.subject,
    time: fact.time ?? nowIso,
    ...(fact.data === undefined ? {} : { data: fact.data }),
  };
  try {
    const awards = compiled.ruleSet.evaluate(sample).map((award) => ({
      ruleId: award.ruleId,
      // Bounded by POINTS_PER_AWARD_MAX (10^12), so exact as a JSON number.
      points: Number(award.points),
      description: award.description ?? null,
    }));
    return jsonResult(200, JSON.stringify({ ...answer, fact: { awards, failure: null } }));
  } catch (error) {
    if (!isRuleEvaluationError(error)) throw error;
    const failure = { ruleId: error.ruleId, line: error.line, reason: error.reason, detail: error.detail };
    return jsonResult(200, JSON.stringify({ ...answer, fact: { awards: [], failure } }));
  }
}
