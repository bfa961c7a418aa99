/**
 * A compiled rule set at run time, without the CEL engine: each rule's identity (id, text hash),
 * the event-type index choosing a fact's candidate rules, and the evaluation of the candidates in
 * file order, all or nothing. A rule's CEL closures come from compile-form.ts; a rule whose
 * condition the index decides whole and whose points are an integer literal needs none, so a rule
 * set read from its stored form (stored-runtime.ts) builds such rules without loading CEL.
 */

import type { RuleDraft } from './draft.ts';
import { type CelContext, celData, FactDataError, TYPE_ALIAS } from './fact-context.ts';
import {
  type Award,
  type CompiledRule,
  type CompiledRuleSet,
  DEFAULT_THRESHOLD_FLAG,
  type Fact,
  POINTS_PER_AWARD_MAX,
  type RuleError,
  RuleEvaluationError,
  type RuleEvaluationReason,
  type ThresholdFlagRule,
} from './types.ts';

/** Rules in one rule set, at most. */
export const RULES_MAX = 1_000;
/** Ids derive from this many hex digits of the rule's text hash. */
const DERIVED_ID_HEX_DIGITS = 10;
const HEX = /^[0-9a-f]+$/;

/** A CEL expression failed on a fact; the rule set names the rule (compile-form.ts throws it). */
export class ExpressionFailure extends Error {
  override readonly name = 'ExpressionFailure';

  constructor(
    readonly reason: RuleEvaluationReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** A compiled CEL expression: the value, or an `ExpressionFailure`. */
export type Evaluate = (context: CelContext, fact: Fact) => unknown;

/** What a rule evaluates, once compiled (compile-form.ts `celEvaluation`). */
export interface RuleEvaluation {
  /**
   * What is left to evaluate once the rule is a candidate: the whole condition for an unindexed
   * rule, the conjuncts the index does not decide for an indexed one, null when the index
   * decides the whole condition.
   */
  condition: Evaluate | null;
  /** A literal, or the expression. */
  points: bigint | Evaluate;
  usesData: boolean;
  /** The fact's time as CEL sees it; present when the rule reads `time`. */
  timestamp: ((time: string) => unknown) | undefined;
}

export interface RuleRuntime extends RuleEvaluation {
  readonly rule: CompiledRule;
  /** False while a rule read from a stored form waits for CEL (stored-runtime.ts). */
  ready: boolean;
}

/** The evaluation of a rule that needs no CEL: the index decides its condition, its points are a literal. */
export const decidedEvaluation = (points: bigint): RuleEvaluation => ({
  condition: null,
  points,
  usesData: false,
  timestamp: undefined,
});

/** `options.hash`, checked: a programmer error (the wrong function wired in) crashes loudly. */
export function checkedHash(hash: (input: string) => string): (input: string) => string {
  return (input) => {
    const digest = hash(input);
    if (digest.length < DERIVED_ID_HEX_DIGITS || !HEX.test(digest)) {
      throw new Error('compileRuleSet: options.hash must return lowercase hex of at least 10 digits');
    }
    return digest;
  };
}

/**
 * Names each rule: its explicit id, or one derived from the hash of its canonical text. Returns
 * the rule's id and text hash, or null (with an error) when an earlier rule has the same id.
 */
export function ruleIdentities(hash: (input: string) => string, errors: RuleError[]) {
  const idLines = new Map<string, number>();
  return (draft: RuleDraft, canonicalText: string): { id: string; ruleTextHash: string } | null => {
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
      return null;
    }
    idLines.set(id, draft.line);
    return { id, ruleTextHash };
  };
}

/** The rule as the world sees it. */
export function compiledRule(
  draft: RuleDraft,
  identity: { id: string; ruleTextHash: string },
  canonicalText: string,
  eventTypes: readonly string[] | null,
): CompiledRule {
  const rule: CompiledRule = {
    id: identity.id,
    explicitId: draft.id !== undefined,
    ruleTextHash: identity.ruleTextHash,
    canonicalText,
    condition: draft.condition.text,
    points: draft.points.text,
    line: draft.line,
    eventTypes: eventTypes === null ? null : Object.freeze([...eventTypes]),
    ...(draft.cap === undefined ? {} : { cap: draft.cap }),
    ...(draft.description === undefined ? {} : { description: draft.description }),
  };
  return Object.freeze(rule);
}

/** For each indexed event type, the rules to try on its facts, in file order (indexed ones plus every unindexed one). */
function candidateIndex(runtimes: readonly RuleRuntime[]): (type: string) => readonly RuleRuntime[] {
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
  const unindexed = runtimes.filter((runtime) => runtime.rule.eventTypes === null);
  return (type) => index.get(type) ?? unindexed;
}

/**
 * The rule set object over its runtimes; `prepareWith` gives its `prepare`, which makes the
 * candidates of some types ready, from the index.
 */
export function ruleSetOf(
  runtimes: readonly RuleRuntime[],
  flag: ThresholdFlagRule | null,
  textHash: string,
  source: string | undefined,
  prepareWith: (candidates: (type: string) => readonly RuleRuntime[]) => CompiledRuleSet['prepare'],
): CompiledRuleSet {
  const candidates = candidateIndex(runtimes);
  const prepare = prepareWith(candidates);
  return Object.freeze({
    textHash,
    ...(source === undefined ? {} : { source }),
    rules: Object.freeze(runtimes.map((runtime) => runtime.rule)),
    flag: Object.freeze({ ...(flag ?? DEFAULT_THRESHOLD_FLAG) }),
    prepare,
    evaluate: (fact: Fact): Award[] => evaluateFact(candidates(fact.type), fact),
  });
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
    if (!runtime.ready) {
      throw new Error(`rule ${runtime.rule.id} is not compiled: call prepare([fact type]) before evaluate`);
    }
    if (runtime.timestamp !== undefined && !timeReady) {
      context.time = runtime.timestamp(fact.time);
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
      const matched = run(runtime, runtime.condition, context, fact);
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
      typeof runtime.points === 'bigint' ? runtime.points : run(runtime, runtime.points, context, fact),
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

function run(runtime: RuleRuntime, expression: Evaluate, context: CelContext, fact: Fact): unknown {
  try {
    return expression(context, fact);
  } catch (error) {
    if (error instanceof ExpressionFailure) throw failure(runtime, fact, error.reason, error.detail);
    throw error;
  }
}

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
