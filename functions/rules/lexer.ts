/**
 * Just enough of CEL's lexical structure to cut a rule line into its parts: where string
 * literals start and end (so a `#` or a `,` inside one is text), where comments start, and
 * which commas are at the top level (not inside parentheses, brackets or braces).
 * The expressions themselves are parsed by the CEL library, never here.
 *
 * String literals follow the CEL spec: `"…"`, `'…'`, triple-quoted `"""…"""` / `'''…'''`,
 * with optional `r`/`R` (raw: no escapes) and `b`/`B` (bytes) prefixes in either order.
 */

import { TYPE_ALIAS } from './fact-context.ts';

const STRING_PREFIXES = new Set(['r', 'R', 'b', 'B', 'rb', 'rB', 'Rb', 'RB', 'br', 'bR', 'Br', 'BR']);

const isIdentifierStart = (char: string): boolean => /[A-Za-z_]/.test(char);
const isWordChar = (char: string | undefined): boolean => char !== undefined && /[A-Za-z0-9_]/.test(char);

export type Token =
  | { kind: 'string'; start: number; end: number; terminated: boolean }
  | { kind: 'comment'; start: number; end: number }
  | { kind: 'identifier'; start: number; end: number; text: string }
  | { kind: 'space'; start: number; end: number }
  | { kind: 'other'; start: number; end: number };

export interface ScanOptions {
  /** `#` starts a comment (the one-liner file form); CEL's own `//` comments always do. */
  hashComments: boolean;
}

/**
 * Tokens of `text` in order, covering it entirely. A comment runs to the end of its line;
 * an unterminated single-quoted string runs to the end of its line, a triple-quoted one to the end.
 */
export function tokenize(text: string, options: ScanOptions): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  // Each step consumes at least one character, so the loop ends within text.length steps.
  while (pos < text.length) {
    const char = text[pos] as string;
    const start = pos;
    if (char === '"' || char === "'") {
      const end = stringEnd(text, pos, false);
      tokens.push({ kind: 'string', start, end: end.end, terminated: end.terminated });
      pos = end.end;
    } else if (isIdentifierStart(char)) {
      let end = pos + 1;
      while (isWordChar(text[end])) end++;
      const word = text.slice(pos, end);
      const next = text[end];
      if ((next === '"' || next === "'") && STRING_PREFIXES.has(word)) {
        const raw = word.includes('r') || word.includes('R');
        const stringEnds = stringEnd(text, end, raw);
        tokens.push({ kind: 'string', start, end: stringEnds.end, terminated: stringEnds.terminated });
        pos = stringEnds.end;
      } else {
        tokens.push({ kind: 'identifier', start, end, text: word });
        pos = end;
      }
    } else if ((options.hashComments && char === '#') || (char === '/' && text[pos + 1] === '/')) {
      const newline = text.indexOf('\n', pos);
      pos = newline === -1 ? text.length : newline;
      tokens.push({ kind: 'comment', start, end: pos });
    } else if (/\s/.test(char)) {
      while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
      tokens.push({ kind: 'space', start, end: pos });
    } else if (/[0-9]/.test(char)) {
      // A number with its suffix (1.5e3, 0xFFu): consumed whole so `5u` is never an identifier `u`.
      while (isWordChar(text[pos]) || (text[pos] === '.' && /[0-9]/.test(text[pos + 1] ?? ''))) pos++;
      tokens.push({ kind: 'other', start, end: pos });
    } else {
      tokens.push({ kind: 'other', start, end: pos + 1 });
      pos++;
    }
  }
  return tokens;
}

function stringEnd(text: string, quoteAt: number, raw: boolean): { end: number; terminated: boolean } {
  const quote = text[quoteAt] as string;
  const triple = text.startsWith(quote.repeat(3), quoteAt);
  const closing = triple ? quote.repeat(3) : quote;
  let pos = quoteAt + closing.length;
  while (pos < text.length) {
    const char = text[pos] as string;
    if (!triple && char === '\n') return { end: pos, terminated: false };
    if (char === '\\' && !raw) {
      pos += 2;
      continue;
    }
    if (text.startsWith(closing, pos)) return { end: pos + closing.length, terminated: true };
    pos++;
  }
  return { end: text.length, terminated: false };
}

export interface LineSplit {
  /** Offset where a comment starts, or the text length. */
  codeEnd: number;
  /** Offset of the last comma outside strings, comments and brackets; -1 when there is none. */
  lastTopLevelComma: number;
  /** Offset of an unterminated string literal's opening; -1 when every string is closed. */
  unterminatedStringAt: number;
}

/** Finds where `<condition>, <points>` splits: at the last top-level comma. */
export function splitRuleText(text: string, options: ScanOptions): LineSplit {
  let depth = 0;
  let lastTopLevelComma = -1;
  let codeEnd = text.length;
  let unterminatedStringAt = -1;
  for (const token of tokenize(text, options)) {
    if (token.kind === 'comment') {
      codeEnd = token.start;
      break;
    }
    if (token.kind === 'string' && !token.terminated && unterminatedStringAt === -1) {
      unterminatedStringAt = token.start;
    }
    if (token.kind !== 'other') continue;
    const char = text[token.start];
    if (char === '(' || char === '[' || char === '{') depth++;
    // An unmatched closer is left for the CEL parser to report; it must not make depth negative.
    else if (char === ')' || char === ']' || char === '}') depth = Math.max(0, depth - 1);
    else if (char === ',' && depth === 0) lastTopLevelComma = token.start;
  }
  return { codeEnd, lastTopLevelComma, unterminatedStringAt };
}

/**
 * The text with comments removed and whitespace dropped except where it separates two word
 * characters (`a in b` keeps its spaces, `a == "x"` becomes `a=="x"`); string literals are kept
 * byte for byte. Reformatting a rule therefore keeps its id and text hash; editing it does not.
 */
export function normalizeCel(text: string): string {
  let out = '';
  let pendingSpace = false;
  for (const token of tokenize(text, { hashComments: false })) {
    if (token.kind === 'space' || token.kind === 'comment') {
      pendingSpace = true;
      continue;
    }
    const piece = text.slice(token.start, token.end);
    if (pendingSpace && isWordChar(out[out.length - 1]) && isWordChar(piece[0])) out += ' ';
    pendingSpace = false;
    out += piece;
  }
  return out;
}

/** The alias as a whole word, to put `type` back into the library's messages. */
export const ALIAS_WORD = /\b_typ\b/g;

export interface TypeRewrite {
  text: string;
  /** Offsets where the rule text itself uses the reserved alias. */
  aliasUsedAt: number[];
}

/**
 * `type` is a built-in identifier in CEL and cannot be declared as a variable, yet rules may name
 * the event type `type`. Every free `type` (not a field after `.`, not the call `type(x)`) becomes
 * the same-length TYPE_ALIAS (fact-context.ts) before parsing, so error columns stay exact.
 * Writing the alias itself is refused.
 */
export function rewriteTypeIdentifier(text: string): TypeRewrite {
  const tokens = tokenize(text, { hashComments: false });
  const significant = tokens.filter((token) => token.kind !== 'space' && token.kind !== 'comment');
  let out = '';
  let copiedTo = 0;
  const aliasUsedAt: number[] = [];
  significant.forEach((token, index) => {
    if (token.kind !== 'identifier') return;
    if (token.text === TYPE_ALIAS) aliasUsedAt.push(token.start);
    if (token.text !== 'type') return;
    const previous = significant[index - 1];
    const next = significant[index + 1];
    const isField = previous !== undefined && text[previous.start] === '.' && previous.kind === 'other';
    const isCall = next !== undefined && text[next.start] === '(' && next.kind === 'other';
    if (isField || isCall) return;
    out += text.slice(copiedTo, token.start) + TYPE_ALIAS;
    copiedTo = token.end;
  });
  return { text: out + text.slice(copiedTo), aliasUsedAt };
}
