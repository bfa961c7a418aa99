import type { SourceText } from './source-text.ts';
import type { RuleError, ThresholdFlagRule } from './types.ts';

/** A rule as read from either file form, before its expressions are compiled. */
export interface RuleDraft {
  /** 1-based line where the rule starts. */
  line: number;
  condition: SourceText;
  points: SourceText;
  /** An explicit id (YAML form), with where it was written. */
  id?: { value: string; line: number; column: number };
  description?: string;
  cap?: bigint;
}

/** What a file form yields: drafts plus every structural error found on the way. */
export interface ParsedForm {
  rules: RuleDraft[];
  /** Null when the text declares no flag, so the default applies. */
  flag: ThresholdFlagRule | null;
  errors: RuleError[];
}
