/**
 * The rules engine's public shapes. A rule set is text (the one-liner form or the YAML form,
 * see rules/README.md) compiled once by `compileRuleSet` into a `CompiledRuleSet`, whose
 * `evaluate(fact)` turns one fact into the points it earns.
 */

/**
 * A fact as rules see it: the CloudEvent envelope (already validated at the edge).
 * `time` is the RFC 3339 event time; `data` is the parsed JSON payload.
 */
export interface Fact {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  data?: unknown;
}

/** Points one rule awards for one fact. Rules that award 0 produce no award at all. */
export interface Award {
  ruleId: string;
  /** Hash of the rule's canonical text (see rules/README.md): what the rule said when it awarded. */
  ruleTextHash: string;
  /** A positive whole number of points. */
  points: bigint;
  description?: string;
}

/** A compile error, 1-based, positioned in the rule file's text. */
export interface RuleError {
  line: number;
  column: number;
  message: string;
}

/**
 * The windowed flag as a rule: true once the deposit amounts whose event times fall in one
 * sliding window `(t − windowMs, t]` sum to strictly more than `thresholdMinor`, and from then
 * on (sticky). `functions/domain/threshold.ts` evaluates it from `{ thresholdMinor, windowMs }`.
 */
export interface ThresholdFlagRule {
  id: 'above_threshold';
  description: string;
  windowMs: number;
  /** Minor units, scale 2 (`MONEY_SCALE`): `1_000_000n` is 10,000.00. */
  thresholdMinor: bigint;
  sticky: true;
}

/** One compiled rule, as far as anyone outside the engine needs to see it. */
export interface CompiledRule {
  /** Explicit (YAML `id:`) or derived: `r-` + the first 10 hex digits of `ruleTextHash`. */
  id: string;
  explicitId: boolean;
  ruleTextHash: string;
  /** The canonical text that `ruleTextHash` hashes: `<condition>, <points>[, cap <n>]`, whitespace-normalised. */
  canonicalText: string;
  condition: string;
  points: string;
  cap?: bigint;
  description?: string;
  /** 1-based line of the rule in the file. */
  line: number;
  /**
   * The event types this rule can match, when its condition pins `event_type` (or `type`) to
   * literals in a top-level conjunct; null when it must be tried on every fact.
   */
  eventTypes: readonly string[] | null;
}

export interface CompiledRuleSet {
  /** Hash of the whole rule file text, verbatim. */
  textHash: string;
  /** The name the text was compiled under (`CompileOptions.source`), for logs and listings. */
  source?: string;
  /** In file order. */
  rules: readonly CompiledRule[];
  flag: ThresholdFlagRule;
  /**
   * Makes `evaluate` ready for facts of these types. A rule set compiled from its text or form
   * (compileForm) is always ready; one built from a stored form's decisions (stored-runtime.ts)
   * compiles a rule that needs CEL, loading the engine, only when a fact's type makes it a
   * candidate, here, once.
   */
  prepare(types: Iterable<string>): Promise<void>;
  /**
   * Every rule that matches, in file order, each as its own award; all or nothing: when one
   * candidate rule fails, no award is returned and `RuleEvaluationError` is thrown. Throws an
   * `Error` when a candidate rule is not compiled yet (`prepare` was not awaited for its type).
   */
  evaluate(fact: Fact): Award[];
}

export type CompileResult = { ok: true; ruleSet: CompiledRuleSet } | { ok: false; errors: RuleError[] };

export interface CompileOptions {
  /** A hash of a text as lowercase hex, at least 10 digits (e.g. SHA-256); the rules code does no crypto. */
  hash: (text: string) => string;
  /** A name for the text (a file name), kept on the rule set; pass it to `formatRuleError` too. */
  source?: string;
}

/** Why a rule failed on one fact. Stable codes: logs and the DLQ carry them. */
export type RuleEvaluationReason =
  | 'type_error'
  | 'no_such_key'
  | 'overflow'
  | 'division_by_zero'
  | 'invalid_fact'
  | 'condition_not_bool'
  | 'points_not_a_number'
  | 'points_not_integer'
  | 'points_negative'
  | 'points_too_large'
  | 'evaluation_failed';

/**
 * A rule failed on one fact (a type error, a missing key, points that are not a whole number in
 * range …). The fact goes to the DLQ with this reason; the rule set itself stays valid.
 */
export class RuleEvaluationError extends Error {
  override readonly name = 'RuleEvaluationError';
  readonly code = 'rule_evaluation_failed';

  constructor(
    readonly ruleId: string,
    readonly ruleTextHash: string,
    readonly line: number,
    readonly reason: RuleEvaluationReason,
    /** What went wrong, without the rule id (already in `message`). */
    readonly detail: string,
    readonly factId: string,
  ) {
    super(`Rule ${ruleId} (line ${line}) failed on fact ${factId}: ${reason}: ${detail}`);
  }
}

export const isRuleEvaluationError = (error: unknown): error is RuleEvaluationError =>
  error instanceof RuleEvaluationError;

/** The largest award one rule may make for one fact: a sanity bound that catches runaway expressions. */
export const POINTS_PER_AWARD_MAX = 1_000_000_000_000n;

/** The default windowed flag: more than 10,000 deposited within 2 minutes, sticky. */
export const DEFAULT_THRESHOLD_FLAG: ThresholdFlagRule = Object.freeze({
  id: 'above_threshold',
  description: 'Deposits within a sliding 2-minute window sum to more than 10,000 (sticky).',
  windowMs: 120_000,
  thresholdMinor: 1_000_000n,
  sticky: true,
});

/** `file:line:column: message`, the form editors and CI annotate. */
export function formatRuleError(error: RuleError, source = '<rules>'): string {
  return `${source}:${error.line}:${error.column}: ${error.message}`;
}
