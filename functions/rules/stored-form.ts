/**
 * The stored form of a rule set: its rules and flag as read from the text (`ParsedForm`), as JSON.
 * It is written beside the text when a rule set is published, so a function that reads the active
 * rule set compiles it with no YAML parser (112 KB minified, most of a cold start's parse). The
 * text stays the record (listings, diffs, hashes); the form is derived from it at publish.
 * Source positions are kept to the rule's line and column: a stored rule set has compiled once
 * already, so positions only ever name a place in an error that cannot happen.
 * The writer is stored-form-writer.ts: only publishing writes a form, and every function that
 * reads the active rule set reads one (a module's every export goes where any one of them does).
 *
 * Version 2 also keeps, per rule, what the compile at publish decided (`RuleDecision`): with it, a
 * function reading the active rule set builds the rules whose condition the event-type index
 * decides and whose points are a literal without the CEL engine, and compiles the others only
 * when a fact is a candidate for one (stored-runtime.ts). Version 1 forms are still read: they
 * are compiled with CEL, as before.
 */
import type { ParsedForm, RuleDraft } from './draft.ts';
import { onLine } from './source-text.ts';
import type { ThresholdFlagRule } from './types.ts';

/** Bumped when the shape changes; a form of another version is ignored (the text is compiled). */
export const STORED_FORM_VERSION = 2;
/** The version before the decisions were stored: read, and compiled with CEL. */
const DRAFTS_ONLY_VERSION = 1;

/** What the compile decided of one rule (compile-form.ts `decisionsOf`). */
export interface RuleDecision {
  /** The rule's whitespace-normalised text, whose hash is its text hash (and derived id). */
  canonicalText: string;
  /** The event types the condition pins (the index), or null: tried on every fact. */
  eventTypes: string[] | null;
  /** The index decides the whole condition: a fact of a listed type matches without evaluating it. */
  decided: boolean;
  /** The points when they are one integer literal. */
  constantPoints: bigint | null;
}

/** A form read back, with its rules' decisions as stored when it is of the current version. */
export interface StoredRuleForm extends ParsedForm {
  /**
   * One per rule, in order, as stored (unchecked: stored-runtime.ts reads them, so that the
   * functions reading only the flag do not carry that code); undefined for a version 1 form.
   */
  decisions?: unknown[];
}

/** A decision as JSON: bigint as decimal digits. */
export interface StoredDecision {
  canonicalText: string;
  eventTypes: string[] | null;
  decided: boolean;
  constantPoints?: string;
}

export interface Piece {
  text: string;
  line: number;
  column: number;
}

interface StoredDraft {
  line: number;
  condition: Piece;
  points: Piece;
  id?: { value: string; line: number; column: number };
  description?: string;
  /** bigint as decimal digits */
  cap?: string;
  /** Version 2 on. */
  compiled?: StoredDecision;
}

export interface StoredForm {
  v: number;
  /** Version 2 on: each rule has `compiled`. */
  rules: StoredDraft[];
  flag: (Omit<ThresholdFlagRule, 'thresholdMinor'> & { thresholdMinor: string }) | null;
}

const isPiece = (value: unknown): value is Piece =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Piece).text === 'string' &&
  Number.isInteger((value as Piece).line) &&
  Number.isInteger((value as Piece).column);

/**
 * The form back from its JSON, or undefined when it is not one this code wrote (another version,
 * a damaged item): the caller then compiles the text, which is always right.
 */
export function formFromJson(json: string): StoredRuleForm | undefined {
  let stored: StoredForm;
  try {
    stored = JSON.parse(json) as StoredForm;
  } catch {
    return undefined;
  }
  const version = stored?.v;
  if ((version !== STORED_FORM_VERSION && version !== DRAFTS_ONLY_VERSION) || !Array.isArray(stored.rules))
    return undefined;
  const rules: RuleDraft[] = [];
  const decisions: unknown[] = [];
  for (const draft of stored.rules) {
    if (!Number.isInteger(draft?.line) || !isPiece(draft.condition) || !isPiece(draft.points))
      return undefined;
    if (draft.cap !== undefined && !/^\d+$/.test(draft.cap)) return undefined;
    if (version === STORED_FORM_VERSION) decisions.push(draft.compiled);
    rules.push({
      line: draft.line,
      condition: onLine(draft.condition.text, draft.condition.line, draft.condition.column),
      points: onLine(draft.points.text, draft.points.line, draft.points.column),
      ...(draft.id === undefined ? {} : { id: { ...draft.id } }),
      ...(draft.description === undefined ? {} : { description: draft.description }),
      ...(draft.cap === undefined ? {} : { cap: BigInt(draft.cap) }),
    });
  }
  const flag = stored.flag;
  if (flag !== null && (typeof flag !== 'object' || !/^\d+$/.test(String(flag.thresholdMinor)))) {
    return undefined;
  }
  return {
    rules,
    flag: flag === null ? null : { ...flag, thresholdMinor: BigInt(flag.thresholdMinor) },
    errors: [],
    ...(version === STORED_FORM_VERSION ? { decisions } : {}),
  };
}
