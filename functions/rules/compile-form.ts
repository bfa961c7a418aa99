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
 */
import {
  type CelContext,
  type CompiledExpression,
  celData,
  celTimestamp,
  compileConjunction,
  compileExpression,
  EvaluationError,
  type ExpressionRole,
  eventTypeIndex,
  FactDataError,
} from './cel.ts';
import type { ParsedForm, RuleDraft } from './draft.ts';
import { ALIAS_WORD, normalizeCel, TYPE_ALIAS } from './lexer.ts';
import {
  type Award,
  type CompiledRule,
  type CompileOptions,
  type CompileResult,
  DEFAULT_THRESHOLD_FLAG,
  type Fact,
  POINTS_PER_AWARD_MAX,
  type RuleError,
  RuleEvaluationError,
  type RuleEvaluationReason,
} from './types.ts';

export const RULES_MAX = 1_000;
/** Ids derive from this many hex digits of the rule's text hash. */
const DERIVED_ID_HEX_DIGITS = 10;
const HEX = /^[0-9a-f]+$/;

interface RuleRuntime {
  rule: CompiledRule;
  /**
   * What is left to evaluate once the rule is a candidate: the whole condition for an unindexed
   * rule, the conjuncts the index does not decide for an indexed one, null when the index
   * decides the whole condition.
   */
  condition: CompiledExpression['evaluate'] | null;
  points: CompiledExpression;
  usesTime: boolean;
  usesData: boolean;
}
/**
 * Compiles a rule set already read from its file form (`ParsedForm`: from the text by
 * rule-set.ts, or from the stored form by stored-form.ts, with no YAML parser loaded). `text` is
 * the source the form came from; its hash names the compiled rule set.
 */
export function compileForm(form: ParsedForm, text: string, options: CompileOptions): CompileResult {
  const hash = (input: string): string => {
    const digest = options.hash(input);
    // A programmer error (the wrong function wired in), not an operator's: crash loudly.
    if (digest.length < DERIVED_ID_HEX_DIGITS || !HEX.test(digest)) {
      throw new Error('compileRuleSet: options.hash must return lowercase hex of at least 10 digits');
    }
    return digest;
  };
  const errors = [...form.errors];
  if (form.rules.length > RULES_MAX) {
    const extra = form.rules[RULES_MAX] as RuleDraft;
    errors.push({ line: extra.line, column: 1, message: `more than ${RULES_MAX} rules` });
  }

  const runtimes: RuleRuntime[] = [];
  const idLines = new Map<string, number>();
  for (const draft of form.rules.slice(0, RULES_MAX)) {
    const condition = compileInto(draft, 'condition', errors);
    const points = compileInto(draft, 'points', errors);
    const canonicalText =
      `${normalizeCel(draft.condition.text)}, ${normalizeCel(draft.points.text)}` +
      (draft.cap === undefined ? '' : `, cap ${draft.cap}`);
    const ruleTextHash = hash(canonicalText);
    const id = draft.id?.value ?? `r-${ruleTextHash.slice(0, DERIVED_ID_HEX_DIGITS)}`;
    const earlierLine = idLines.get(id);
    if (earlierLine !== undefined) {
      errors.push(
        draft.id === undefined
          ? {
              line: draft.line,
              column: draft.condition.position(0).column,
              message: `this rule repeats the rule on line ${earlierLine} (same text, so the same id ${id}); remove one`,
            }
          : {
              line: draft.id.line,
              column: draft.id.column,
              message: `duplicate rule id \`${id}\` (first on line ${earlierLine})`,
            },
      );
      continue;
    }
    idLines.set(id, draft.line);
    if (condition === null || points === null) continue;
    const index = eventTypeIndex(condition.ast);
    const rule: CompiledRule = {
      id,
      explicitId: draft.id !== undefined,
      ruleTextHash,
      canonicalText,
      condition: draft.condition.text,
      points: draft.points.text,
      line: draft.line,
      eventTypes: index === null ? null : Object.freeze(index.eventTypes),
      ...(draft.cap === undefined ? {} : { cap: draft.cap }),
      ...(draft.description === undefined ? {} : { description: draft.description }),
    };
    runtimes.push({
      rule: Object.freeze(rule),
      condition:
        index === null
          ? condition.evaluate
          : index.residual.length === 0
            ? null
            : (compileConjunction(index.residual) ?? condition.evaluate),
      points,
      usesTime: condition.usesTime || points.usesTime,
      usesData: condition.usesData || points.usesData,
    });
  }
  if (errors.length > 0) return fail(errors);

  const candidatesByType = buildIndex(runtimes);
  const unindexed = runtimes.filter((runtime) => runtime.rule.eventTypes === null);
  const flag = form.flag ?? DEFAULT_THRESHOLD_FLAG;
  const ruleSet = {
    textHash: hash(text),
    ...(options.source === undefined ? {} : { source: options.source }),
    rules: Object.freeze(runtimes.map((runtime) => runtime.rule)),
    flag: Object.freeze({ ...flag }),
    evaluate: (fact: Fact): Award[] => evaluateFact(candidatesByType.get(fact.type) ?? unindexed, fact),
  };
  return { ok: true, ruleSet: Object.freeze(ruleSet) };
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

/** For each indexed event type, the rules to try on its facts, in file order (indexed ones plus every unindexed one). */
function buildIndex(runtimes: RuleRuntime[]): Map<string, RuleRuntime[]> {
  const types = new Set(runtimes.flatMap((runtime) => runtime.rule.eventTypes ?? []));
  const index = new Map<string, RuleRuntime[]>();
  for (const type of types) {
    index.set(
      type,
      runtimes.filter(
        (runtime) => runtime.rule.eventTypes === null || runtime.rule.eventTypes.includes(type),
      ),
    );
  }
  return index;
}

function evaluateFact(candidates: readonly RuleRuntime[], fact: Fact): Award[] {
  const awards: Award[] = [];
  if (candidates.length === 0) return awards;
  // Every key up front keeps one object shape; time and data are converted only if a rule reads them.
  const context: CelContext = {
    event_type: fact.type,
    [TYPE_ALIAS]: fact.type,
    subject: fact.subject,
    source: fact.source,
    time: undefined,
    data: undefined,
  };
  let timeReady = false;
  let dataReady = false;
  for (const runtime of candidates) {
    if (runtime.usesTime && !timeReady) {
      context.time = celTimestamp(fact.time);
      timeReady = true;
    }
    if (runtime.usesData && !dataReady) {
      try {
        context.data = celData(fact.data);
      } catch (error) {
        if (error instanceof FactDataError) throw failure(runtime, fact, 'invalid_fact', error.message);
        throw error;
      }
      dataReady = true;
    }
    if (runtime.condition !== null) {
      const matched = run(runtime, runtime.condition, 'condition', context, fact);
      if (typeof matched !== 'boolean') {
        throw failure(
          runtime,
          fact,
          'condition_not_bool',
          `the condition evaluated to ${describe(matched)}, not a bool`,
        );
      }
      if (!matched) continue;
    }
    const points = checkedPoints(
      runtime,
      fact,
      runtime.points.constantInt ?? run(runtime, runtime.points.evaluate, 'points', context, fact),
    );
    if (points === 0n) continue;
    const rule = runtime.rule;
    awards.push(
      rule.description === undefined
        ? { ruleId: rule.id, ruleTextHash: rule.ruleTextHash, points }
        : { ruleId: rule.id, ruleTextHash: rule.ruleTextHash, points, description: rule.description },
    );
  }
  return awards;
}

function run(
  runtime: RuleRuntime,
  expression: CompiledExpression['evaluate'],
  role: ExpressionRole,
  context: CelContext,
  fact: Fact,
): unknown {
  try {
    return expression(context);
  } catch (error) {
    if (!(error instanceof EvaluationError)) throw error;
    const summary = error.summary.replace(ALIAS_WORD, 'type');
    if (error.code === 'unknown_variable') {
      // Every variable is declared and set, except `time` when the fact's time is not RFC 3339.
      throw failure(
        runtime,
        fact,
        'invalid_fact',
        `${role}: time ${JSON.stringify(fact.time)} is not an RFC 3339 timestamp`,
      );
    }
    throw failure(runtime, fact, REASONS[error.code] ?? 'evaluation_failed', `${role}: ${summary}`);
  }
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

function checkedPoints(runtime: RuleRuntime, fact: Fact, value: unknown): bigint {
  if (typeof value !== 'bigint') {
    if (typeof value === 'number') {
      throw failure(
        runtime,
        fact,
        'points_not_integer',
        `points evaluated to the double ${value}; points are a whole number (int)`,
      );
    }
    throw failure(runtime, fact, 'points_not_a_number', `points evaluated to ${describe(value)}, not an int`);
  }
  if (value < 0n)
    throw failure(
      runtime,
      fact,
      'points_negative',
      `points evaluated to ${value}; points are never negative`,
    );
  const cap = runtime.rule.cap;
  const points = cap !== undefined && value > cap ? cap : value;
  if (points > POINTS_PER_AWARD_MAX) {
    throw failure(
      runtime,
      fact,
      'points_too_large',
      `points evaluated to ${value}; at most ${POINTS_PER_AWARD_MAX} per award`,
    );
  }
  return points;
}

function failure(
  runtime: RuleRuntime,
  fact: Fact,
  reason: RuleEvaluationReason,
  detail: string,
): RuleEvaluationError {
  const rule = runtime.rule;
  return new RuleEvaluationError(rule.id, rule.ruleTextHash, rule.line, reason, detail, fact.id);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}
