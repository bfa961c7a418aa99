import type { ThresholdConfig } from '#domain/threshold.ts';
import type { Clock } from '#ports/clock.ts';
import type { RuleSetReader, StoredRuleSet } from '#ports/rule-sets.ts';
import { formFromJson } from '#rules/stored-form.ts';
import { storedRuleSet } from '#rules/stored-runtime.ts';
import type { CompiledRuleSet, CompileResult } from '#rules/types.ts';
import { ActiveVersion, RULES_REFRESH_MS, thresholdOf } from './active-threshold.ts';
import { DEFAULT_RULES_FORM, DEFAULT_RULES_SOURCE, DEFAULT_RULES_TEXT } from './default-rules.ts';

/**
 * The built-in rule set as if stored: its text and form. Here, not in active-threshold.ts, which
 * every view-folding function loads: its text (0.9 KB) is read only where rules are compiled.
 */
export const DEFAULT_STORED: Pick<StoredRuleSet, 'text' | 'form'> = {
  text: DEFAULT_RULES_TEXT,
  form: DEFAULT_RULES_FORM,
};

/** The rule set in force, compiled. Version 0 is the built-in default (nothing published yet). */
export interface ActiveRules {
  version: number;
  ruleSet: CompiledRuleSet;
  /** The windowed flag as the wallet view folds it. */
  threshold: ThresholdConfig;
}

export { RULES_REFRESH_MS, thresholdOf } from './active-threshold.ts';

/** The rules compiler with the CEL engine (rules/compile-form.ts), as a function gets it. */
export type FormCompiler = () => Promise<
  Pick<typeof import('#rules/compile-form.ts'), 'compileForm' | 'compileStoredRule'>
>;

/**
 * The compiler (~83 KB with the CEL engine) imported on demand: a chunk of its own in the bundle,
 * so a function whose facts only meet rules that need no evaluation never loads it.
 */
const celCompilerOnDemand: FormCompiler = () => import('#rules/compile-form.ts');

/**
 * Compiles a stored rule set from its stored form (no YAML parser loaded), every rule. A version
 * published before the form was kept has only its text: the full reader (rule-set.ts, with the
 * YAML parser) is then imported on demand — a chunk of its own in the bundle, never read on the
 * common path.
 */
export async function compileOrThrow(
  stored: Pick<StoredRuleSet, 'text' | 'form'>,
  hash: (text: string) => string,
  source?: string,
  compiler: FormCompiler = celCompilerOnDemand,
): Promise<CompiledRuleSet> {
  const options = { hash, ...(source === undefined ? {} : { source }) };
  const form = stored.form === undefined ? undefined : formFromJson(stored.form);
  const compiled: CompileResult =
    form === undefined
      ? (await import('#rules/rule-set.ts')).compileRuleSet(stored.text, options)
      : (await compiler()).compileForm(form, stored.text, options);
  if (!compiled.ok) {
    // A stored rule set was validated before it was stored, so this is a programmer error.
    throw new Error(`rule set ${source ?? ''} does not compile: ${compiled.errors[0]?.message ?? 'unknown'}`);
  }
  return compiled.ruleSet;
}

/**
 * The active rule set from a form that keeps its rules' decisions (version 2): the rules needing
 * CEL are compiled by the rule set's `prepare`, for the facts that are candidates for them
 * (rules/stored-runtime.ts). From an older form, or a text alone, every rule is compiled here.
 * Apart from compileOrThrow so that a function reading versions only (backtests) does not carry it.
 */
async function activeRuleSetOf(
  stored: Pick<StoredRuleSet, 'text' | 'form'>,
  hash: (text: string) => string,
  source: string,
): Promise<CompiledRuleSet> {
  const form = stored.form === undefined ? undefined : formFromJson(stored.form);
  if (form?.decisions !== undefined) {
    const options = { hash, source };
    const ruleSet = storedRuleSet(
      { ...form, decisions: form.decisions },
      stored.text,
      options,
      celCompilerOnDemand,
    );
    if (ruleSet !== undefined) return ruleSet;
  }
  return compileOrThrow(stored, hash, source);
}

/**
 * The active rule set of this function instance: read from the table at most every
 * RULES_REFRESH_MS, compiled once per version. Its rules that need CEL are compiled on demand:
 * await `ruleSet.prepare([fact type])` before `evaluate` (app/ingest.ts does).
 */
export class ActiveRuleSets extends ActiveVersion<ActiveRules> {
  constructor(
    store: RuleSetReader,
    clock: Clock,
    hash: (text: string) => string,
    refreshMs: number = RULES_REFRESH_MS,
  ) {
    super(
      store,
      clock,
      async (stored, version) => {
        const ruleSet = stored
          ? await activeRuleSetOf(stored, hash, stored.source ?? `version ${stored.version}`)
          : await activeRuleSetOf(DEFAULT_STORED, hash, DEFAULT_RULES_SOURCE);
        return { version, ruleSet, threshold: thresholdOf(ruleSet) };
      },
      refreshMs,
    );
  }
}

/**
 * Any rule set version, compiled once per instance (versions never change), every rule at once:
 * what corrections and backtests evaluate stored facts with. Version 0 is the built-in default.
 * `compiler`: how the CEL compiler is had (imported on demand unless the function passes it).
 */
export class RuleSetVersions {
  private readonly compiled = new Map<number, Promise<CompiledRuleSet | undefined>>();

  constructor(
    private readonly store: RuleSetReader,
    private readonly hash: (text: string) => string,
    private readonly compiler: FormCompiler = celCompilerOnDemand,
  ) {}

  get(version: number): Promise<CompiledRuleSet | undefined> {
    let held = this.compiled.get(version);
    if (held === undefined) {
      held = this.load(version);
      held.catch(() => this.compiled.delete(version));
      this.compiled.set(version, held);
    }
    return held;
  }

  private async load(version: number): Promise<CompiledRuleSet | undefined> {
    if (version === 0) return compileOrThrow(DEFAULT_STORED, this.hash, DEFAULT_RULES_SOURCE, this.compiler);
    const stored = await this.store.version(version);
    return stored === undefined
      ? undefined
      : compileOrThrow(stored, this.hash, stored.source ?? `version ${stored.version}`, this.compiler);
  }
}
