/**
 * The stored form's writer (stored-form.ts describes the form and reads it back): used where a
 * rule set is compiled from its text, to publish it. Apart from the reader, which every function
 * that reads the active rule set loads at its cold start.
 */
import type { ParsedForm, RuleDraft } from './draft.ts';
import { type Piece, STORED_FORM_VERSION, type StoredForm } from './stored-form.ts';

const piece = (source: RuleDraft['condition']): Piece => ({ text: source.text, ...source.position(0) });

/** The JSON to store. Only for a form without errors: a text that did not compile is never published. */
export function formToJson(form: ParsedForm): string {
  if (form.errors.length > 0) throw new Error('formToJson: the rule set has errors; it cannot be stored');
  const stored: StoredForm = {
    v: STORED_FORM_VERSION,
    rules: form.rules.map((draft) => ({
      line: draft.line,
      condition: piece(draft.condition),
      points: piece(draft.points),
      ...(draft.id === undefined ? {} : { id: { ...draft.id } }),
      ...(draft.description === undefined ? {} : { description: draft.description }),
      ...(draft.cap === undefined ? {} : { cap: draft.cap.toString() }),
    })),
    flag: form.flag === null ? null : { ...form.flag, thresholdMinor: form.flag.thresholdMinor.toString() },
  };
  return JSON.stringify(stored);
}
