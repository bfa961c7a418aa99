/**
 * A rule set built from its stored form's decisions (stored-form.ts, version 2) without the CEL
 * engine: a rule whose condition the event-type index decides whole and whose points are an
 * integer literal (the seed rule `event_type=="answer_is_liked", 250`) is never evaluated, so it
 * is ready at once. Every other rule is compiled with CEL (compile-form.ts, a lazy chunk: the
 * caller's `loadCompiler`) by `prepare`, the first time a fact's type makes it a candidate, once.
 * Ids, text hashes, the index, awards and errors are those compileForm gives for the same form:
 * the same helpers (runtime.ts) build them, from what the compile at publish decided.
 */
import type { ParsedForm, RuleDraft } from './draft.ts';
import {
  checkedHash,
  compiledRule,
  decidedEvaluation,
  RULES_MAX,
  type RuleEvaluation,
  type RuleRuntime,
  ruleIdentities,
  ruleSetOf,
} from './runtime.ts';
import type { RuleDecision, StoredDecision } from './stored-form.ts';
import type { CompiledRule, CompiledRuleSet, CompileOptions, RuleError } from './types.ts';

/** compile-form.ts, as the lazy chunk exposes it. */
export interface StoredRuleCompiler {
  compileStoredRule(draft: RuleDraft, rule: CompiledRule): RuleEvaluation | RuleError;
}

/** A rule waiting for CEL, until `prepare` compiles it (the runtime's fields are then filled in). */
const pendingEvaluation = (): RuleEvaluation => ({
  condition: null,
  points: 0n,
  usesData: false,
  timestamp: undefined,
});

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A rule's decision as stored (stored-form-writer.ts), or undefined when it is not one. */
export function decisionFromJson(value: unknown): RuleDecision | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { canonicalText, eventTypes, decided, constantPoints } = value as StoredDecision;
  if (typeof canonicalText !== 'string' || typeof decided !== 'boolean') return undefined;
  if (eventTypes !== null && !isStringList(eventTypes)) return undefined;
  if (decided && eventTypes === null) return undefined;
  if (constantPoints !== undefined && !(typeof constantPoints === 'string' && /^-?\d+$/.test(constantPoints)))
    return undefined;
  return {
    canonicalText,
    eventTypes: eventTypes === null ? null : [...eventTypes],
    decided,
    constantPoints: constantPoints === undefined ? null : BigInt(constantPoints),
  };
}

/**
 * The rule set of a stored form with its decisions (as stored: one per rule), or undefined when
 * they are not decisions of its rules (a form this code cannot use: the caller compiles it whole).
 */
export function storedRuleSet(
  form: ParsedForm & { decisions: readonly unknown[] },
  text: string,
  options: CompileOptions,
  loadCompiler: () => Promise<StoredRuleCompiler>,
): CompiledRuleSet | undefined {
  if (form.errors.length > 0 || form.rules.length > RULES_MAX || form.decisions.length !== form.rules.length)
    return undefined;
  const decisions: RuleDecision[] = [];
  for (const stored of form.decisions) {
    const decision = decisionFromJson(stored);
    if (decision === undefined) return undefined;
    decisions.push(decision);
  }
  const hash = checkedHash(options.hash);
  const errors: RuleError[] = [];
  const identify = ruleIdentities(hash, errors);
  const runtimes: RuleRuntime[] = [];
  const drafts = new Map<RuleRuntime, RuleDraft>();
  for (const [at, draft] of form.rules.entries()) {
    const decision = decisions[at] as RuleDecision;
    const identity = identify(draft, decision.canonicalText);
    if (identity === null) return undefined;
    const rule = compiledRule(draft, identity, decision.canonicalText, decision.eventTypes);
    const decided = decision.decided && decision.constantPoints !== null;
    const runtime: RuleRuntime = {
      rule,
      ...(decided ? decidedEvaluation(decision.constantPoints as bigint) : pendingEvaluation()),
      ready: decided,
    };
    if (!decided) drafts.set(runtime, draft);
    runtimes.push(runtime);
  }
  const source = options.source;

  const compile = (compiler: StoredRuleCompiler, runtime: RuleRuntime) => {
    if (runtime.ready) return; // compiled meanwhile, by a concurrent prepare
    const compiled = compiler.compileStoredRule(drafts.get(runtime) as RuleDraft, runtime.rule);
    if ('message' in compiled) {
      // The form compiled when it was published: a programmer error, as compileOrThrow's.
      throw new Error(`rule set ${source ?? ''} does not compile: ${compiled.message}`);
    }
    Object.assign(runtime, compiled, { ready: true });
    drafts.delete(runtime);
  };
  const prepareWith =
    (candidates: (type: string) => readonly RuleRuntime[]) => async (types: Iterable<string>) => {
      // Once every rule is compiled (or none needed CEL), nothing is looked at.
      if (drafts.size === 0) return;
      const pending: RuleRuntime[] = [];
      for (const type of types) pending.push(...candidates(type).filter((runtime) => !runtime.ready));
      if (pending.length === 0) return;
      const compiler = await loadCompiler();
      for (const runtime of pending) compile(compiler, runtime);
    };
  return ruleSetOf(runtimes, form.flag, hash(text), source, prepareWith);
}
