/**
 * `compileForm`: compiles every CEL expression of a rule set read from either file form
 * (rule-set.ts) or from its stored form (stored-form.ts) once, and returns a rule set whose
 * `evaluate(fact)` only evaluates. See rules/README.md for the forms and semantics.
 *
 * Evaluation is indexed by event type: a rule whose condition pins `event_type` to literals in
 * a top-level `&&` conjunct (`event_type == "trade" && …`) is tried only on facts of those
 * types, and when that conjunct is the whole condition it is not evaluated at all. This is exact
 * (`false && x` is false in CEL whatever `x` is), decided at compile time from the syntax tree,
 * and the reason a rule set of a hundred rules costs a few evaluations per fact.
 *
 * This module holds what needs the CEL engine: compiling (here) and what it decides of each rule,
 * stored with the form at publish (`decisionsOf`), so that the active rule set can be built from
 * those decisions without it (stored-runtime.ts), which compiles a rule here on first need
 * (`compileStoredRule`). Evaluating, the index and the rules' ids are runtime.ts's, shared by both.
 */
import {
  type CompiledExpression,
  celTimestamp,
  compileConjunction,
  compileExpression,
  EvaluationError,
  type ExpressionRole,
  eventTypeIndex,
} from './cel.ts';
import type { ParsedForm, RuleDraft } from './draft.ts';
import type { CelContext } from './fact-context.ts';
import { ALIAS_WORD, normalizeCel } from './lexer.ts';
import {
  checkedHash,
  compiledRule,
  type Evaluate,
  ExpressionFailure,
  RULES_MAX,
  type RuleEvaluation,
  type RuleRuntime,
  ruleIdentities,
  ruleSetOf,
} from './runtime.ts';
import type { RuleDecision } from './stored-form.ts';
import type {
  CompiledRule,
  CompileOptions,
  CompileResult,
  RuleError,
  RuleEvaluationReason,
} from './types.ts';

export { RULES_MAX } from './runtime.ts';

const READY = Promise.resolve();

/** A rule's two expressions, parsed and type-checked, with what the index decides of its condition. */
interface CompiledDraft {
  condition: CompiledExpression;
  points: CompiledExpression;
  index: ReturnType<typeof eventTypeIndex>;
}

/**
 * Compiles a rule set already read from its file form (`ParsedForm`: from the text by
 * rule-set.ts, or from the stored form by stored-form.ts, with no YAML parser loaded). `text` is
 * the source the form came from; its hash names the compiled rule set. Every rule is compiled
 * here, so `prepare` has nothing to do.
 */
export function compileForm(form: ParsedForm, text: string, options: CompileOptions): CompileResult {
  const hash = checkedHash(options.hash);
  const errors = [...form.errors];
  if (form.rules.length > RULES_MAX) {
    const extra = form.rules[RULES_MAX] as RuleDraft;
    errors.push({ line: extra.line, column: 1, message: `more than ${RULES_MAX} rules` });
  }

  const runtimes: RuleRuntime[] = [];
  const identify = ruleIdentities(hash, errors);
  for (const draft of form.rules.slice(0, RULES_MAX)) {
    const compiled = compileDraft(draft, errors);
    const canonicalText = canonicalTextOf(draft);
    const identity = identify(draft, canonicalText);
    if (identity === null || compiled === null) continue;
    const rule = compiledRule(draft, identity, canonicalText, compiled.index?.eventTypes ?? null);
    runtimes.push({ rule, ...evaluationOf(compiled), ready: true });
  }
  if (errors.length > 0) return fail(errors);
  return { ok: true, ruleSet: ruleSetOf(runtimes, form.flag, hash(text), options.source, () => () => READY) };
}

/**
 * What the compile decides of each rule of a form that compiles (stored with it at publish,
 * stored-form.ts): its canonical text, its event types, whether they decide the whole condition,
 * its points when they are an integer literal. Throws when a rule does not compile.
 */
export function decisionsOf(form: ParsedForm): RuleDecision[] {
  const errors: RuleError[] = [];
  if (form.rules.length > RULES_MAX)
    errors.push({ line: 1, column: 1, message: `more than ${RULES_MAX} rules` });
  const decisions = form.rules.map((draft): RuleDecision | null => {
    const compiled = compileDraft(draft, errors);
    if (compiled === null) return null;
    return {
      canonicalText: canonicalTextOf(draft),
      eventTypes: compiled.index?.eventTypes ?? null,
      decided: compiled.index !== null && compiled.index.residual.length === 0,
      constantPoints: compiled.points.constantInt,
    };
  });
  const problem = errors[0];
  if (problem !== undefined)
    throw new Error(`decisionsOf: the rule set does not compile: ${problem.message}`);
  return decisions as RuleDecision[];
}

/**
 * One rule of a stored form compiled with CEL on first need (stored-runtime.ts): what compileForm
 * would evaluate for it, or the compile error.
 */
export function compileStoredRule(draft: RuleDraft, rule: CompiledRule): RuleEvaluation | RuleError {
  const errors: RuleError[] = [];
  const compiled = compileDraft(draft, errors);
  if (compiled === null) return errors[0] as RuleError;
  if (!sameTypes(compiled.index?.eventTypes ?? null, rule.eventTypes)) {
    return { line: draft.line, column: 1, message: "the stored event types are not the condition's" };
  }
  return evaluationOf(compiled);
}

const sameTypes = (left: readonly string[] | null, right: readonly string[] | null): boolean =>
  left === null || right === null
    ? left === right
    : left.length === right.length && left.every((type, at) => type === right[at]);

const canonicalTextOf = (draft: RuleDraft): string =>
  `${normalizeCel(draft.condition.text)}, ${normalizeCel(draft.points.text)}` +
  (draft.cap === undefined ? '' : `, cap ${draft.cap}`);

function compileDraft(draft: RuleDraft, errors: RuleError[]): CompiledDraft | null {
  const condition = compileInto(draft, 'condition', errors);
  const points = compileInto(draft, 'points', errors);
  if (condition === null || points === null) return null;
  return { condition, points, index: eventTypeIndex(condition.ast) };
}

function evaluationOf({ condition, points, index }: CompiledDraft): RuleEvaluation {
  const residual =
    index === null
      ? condition.evaluate
      : index.residual.length === 0
        ? null
        : (compileConjunction(index.residual) ?? condition.evaluate);
  return {
    condition: residual === null ? null : celEvaluate(residual, 'condition'),
    points: points.constantInt ?? celEvaluate(points.evaluate, 'points'),
    usesData: condition.usesData || points.usesData,
    timestamp: condition.usesTime || points.usesTime ? celTimestamp : undefined,
  };
}

export function fail(errors: RuleError[]): CompileResult {
  const sorted = [...errors].sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors: sorted };
}

function compileInto(draft: RuleDraft, role: ExpressionRole, errors: RuleError[]): CompiledExpression | null {
  const source = role === 'condition' ? draft.condition : draft.points;
  const result = compileExpression(source.text, role);
  if (result.ok) return result.expression;
  errors.push({ ...source.position(result.problem.offset), message: result.problem.message });
  return null;
}

/** The library's evaluation, its errors as `ExpressionFailure`s (runtime.ts names the rule). */
function celEvaluate(expression: CompiledExpression['evaluate'], role: ExpressionRole): Evaluate {
  return (context: CelContext, fact) => {
    try {
      return expression(context);
    } catch (error) {
      if (!(error instanceof EvaluationError)) throw error;
      const summary = error.summary.replace(ALIAS_WORD, 'type');
      if (error.code === 'unknown_variable') {
        // Every variable is declared and set, except `time` when the fact's time is not RFC 3339.
        throw new ExpressionFailure(
          'invalid_fact',
          `${role}: time ${JSON.stringify(fact.time)} is not an RFC 3339 timestamp`,
        );
      }
      throw new ExpressionFailure(REASONS[error.code] ?? 'evaluation_failed', `${role}: ${summary}`);
    }
  };
}

const REASONS: Record<string, RuleEvaluationReason> = {
  no_such_overload: 'type_error',
  variable_type_mismatch: 'type_error',
  invalid_comparison_type: 'type_error',
  cannot_index_type: 'type_error',
  invalid_index_type: 'type_error',
  unsupported_type: 'type_error',
  no_such_key: 'no_such_key',
  index_out_of_range: 'no_such_key',
  numeric_overflow: 'overflow',
  int_conversion_error: 'overflow',
  uint_conversion_error: 'overflow',
  division_by_zero: 'division_by_zero',
  modulo_by_zero: 'division_by_zero',
};
