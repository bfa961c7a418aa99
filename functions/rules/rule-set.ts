/**
 * `compileRuleSet`: reads either file form (YAML or one-liners) and compiles it (compile-form.ts).
 * The only module of the engine that loads the YAML parser: what reads a published rule set
 * compiles its stored form instead (stored-form.ts), and reaches this module only lazily, for
 * versions published before the form was stored.
 */
import { compileForm, decisionsOf, fail } from './compile-form.ts';
import type { ParsedForm } from './draft.ts';
import { parseOneLinerForm } from './one-liner.ts';
import { formToJson } from './stored-form-writer.ts';
import type { CompileOptions, CompileResult } from './types.ts';
import { parseYamlForm } from './yaml-form.ts';

export { RULES_MAX } from './compile-form.ts';

/** Limits on one rule set (TIGER_STYLE: a bound on everything an operator can grow). */
export const RULE_SET_CHARS_MAX = 1_000_000;

/**
 * The YAML form is recognised by its first line that is neither blank nor a `#` comment:
 * `rules:`, `flags:` or a `---` document marker. None of these can begin a one-liner rule
 * (none is a CEL expression followed by `, <points>`), so the detection is unambiguous.
 */
export function detectRuleFormat(text: string): 'yaml' | 'one-liner' {
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    return /^(?:rules\s*:|flags\s*:|---(?:\s|$))/.test(line) ? 'yaml' : 'one-liner';
  }
  return 'one-liner';
}

/** The rules and flag of a rule set text, in either form, with every structural error. */
export function parseRuleForm(text: string): ParsedForm {
  return detectRuleFormat(text) === 'yaml' ? parseYamlForm(text) : parseOneLinerForm(text);
}

export function compileRuleSet(text: string, options: CompileOptions): CompileResult {
  if (text.length > RULE_SET_CHARS_MAX) {
    return fail([
      {
        line: 1,
        column: 1,
        message: `the rule set is ${text.length} characters; at most ${RULE_SET_CHARS_MAX}`,
      },
    ]);
  }
  return compileForm(parseRuleForm(text), text, options);
}

/**
 * The form to store beside a rule set text when it is published (JSON, stored-form.ts), with what
 * compiling it decided of each rule, so that functions reading it compile without a YAML parser,
 * and without CEL the rules that need no evaluation. Only for a text that compiles.
 */
export function storedFormOf(text: string): string {
  const form = parseRuleForm(text);
  // A form with errors has nothing to decide: formToJson refuses it.
  return formToJson(form, form.errors.length > 0 ? [] : decisionsOf(form));
}
