/**
 * The stored form's writer (stored-form.ts describes the form and reads it back): used where a
 * rule set is compiled from its text, to publish it. Apart from the reader, which every function
 * that reads the active rule set loads at its cold start.
 */
import type { ParsedForm, RuleDraft } from './draft.ts';
import {
  type Piece,
  type RuleDecision,
  STORED_FORM_VERSION,
  type StoredDecision,
  type StoredForm,
} from './stored-form.ts';

const piece = (source: RuleDraft['condition']): Piece => ({ text: source.text, ...source.position(0) });

const decisionToJson = (decision: RuleDecision): StoredDecision => ({
  canonicalText: decision.canonicalText,
  eventTypes: decision.eventTypes,
  decided: decision.decided,
  ...(decision.constantPoints === null ? {} : { constantPoints: decision.constantPoints.toString() }),
});

/**
 * The JSON to store, with what the compile decided of each rule (compile-form.ts `decisionsOf`,
 * one per rule, in order). Only for a form without errors: a text that did not compile is never
 * published.
 */
export function formToJson(form: ParsedForm, decisions: readonly RuleDecision[]): string {
  if (form.errors.length > 0) throw new Error('formToJson: the rule set has errors; it cannot be stored');
  if (decisions.length !== form.rules.length) throw new Error('formToJson: one decision per rule');
  const stored: StoredForm = {
    v: STORED_FORM_VERSION,
    rules: form.rules.map((draft, at) => ({
      line: draft.line,
      condition: piece(draft.condition),
      points: piece(draft.points),
      ...(draft.id === undefined ? {} : { id: { ...draft.id } }),
      ...(draft.description === undefined ? {} : { description: draft.description }),
      ...(draft.cap === undefined ? {} : { cap: draft.cap.toString() }),
      compiled: decisionToJson(decisions[at] as RuleDecision),
    })),
    flag: form.flag === null ? null : { ...form.flag, thresholdMinor: form.flag.thresholdMinor.toString() },
  };
  return JSON.stringify(stored);
}
