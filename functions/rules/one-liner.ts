/**
 * The one-liner form: one rule per line, `<condition>, <points>`, split at the last comma that
 * is outside strings, comments and brackets; `#` starts a comment outside string literals;
 * blank and comment-only lines are skipped. The seed line `event_type=="answer_is_liked", 250`
 * is a complete file in this form.
 */
import type { ParsedForm, RuleDraft } from './draft.ts';
import { splitRuleText } from './lexer.ts';
import { onLine, type SourceText, slice, trim } from './source-text.ts';
import type { RuleError } from './types.ts';

export function parseOneLinerForm(text: string): ParsedForm {
  const rules: RuleDraft[] = [];
  const errors: RuleError[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const result = splitOneLiner(onLine(line, index + 1, 1), { hashComments: true });
    if (result === null) return;
    if ('message' in result) errors.push(result);
    else rules.push({ line: index + 1, ...result });
  });
  return { rules, flag: null, errors };
}

/**
 * Splits one rule text into its condition and points. Null when the text holds only a comment
 * or whitespace; a `RuleError` when it is not `<condition>, <points>`.
 */
export function splitOneLiner(
  source: SourceText,
  options: { hashComments: boolean },
): { condition: SourceText; points: SourceText } | RuleError | null {
  const split = splitRuleText(source.text, options);
  const code = trim(slice(source, 0, split.codeEnd));
  if (code.text === '') return null;
  if (split.unterminatedStringAt !== -1) {
    return { ...source.position(split.unterminatedStringAt), message: 'unterminated string literal' };
  }
  if (split.lastTopLevelComma === -1) {
    return {
      ...code.position(code.text.length),
      message:
        'expected `<condition>, <points>`: no comma outside strings and brackets ' +
        '(is the points expression missing?)',
    };
  }
  const condition = trim(slice(source, 0, split.lastTopLevelComma));
  const points = trim(slice(source, split.lastTopLevelComma + 1, split.codeEnd));
  if (condition.text === '') {
    return {
      ...source.position(split.lastTopLevelComma),
      message: 'the condition before the comma is empty',
    };
  }
  if (points.text === '') {
    return {
      ...source.position(split.lastTopLevelComma + 1),
      message: 'the points after the comma are missing',
    };
  }
  return { condition, points };
}
