/**
 * Where each character of a YAML scalar's value stands in the rule file, so a CEL error inside a
 * `when:` or `points:` value is reported at its own line and column.
 */

import type { Scalar } from 'yaml';
import type { Position, SourceText } from './source-text.ts';

/**
 * The text of a scalar with exact positions where the YAML style allows (plain and quoted
 * on one line, literal blocks `|`); folded or escaped values map every offset to their start.
 * Plain scalars are taken as written, so `points: 0x10` is the CEL `0x10`, not YAML's 16.
 */
export function scalarSource(
  text: string,
  at: (offset: number) => Position,
  node: Scalar,
): SourceText | null {
  const range = node.range;
  if (range === undefined || range === null) return null;
  const [start, end] = range;
  const raw = text.slice(start, end);
  const value = node.value;
  const exact = (source: string, offsets: number[]): SourceText => ({
    text: source,
    position: (offset) => at(offsets[Math.min(Math.max(offset, 0), offsets.length - 1)] as number),
  });
  const consecutive = (source: string, from: number): SourceText =>
    exact(
      source,
      Array.from({ length: source.length + 1 }, (_, index) => from + index),
    );
  switch (node.type) {
    case 'PLAIN':
      if (value === null) return null;
      if (!raw.includes('\n')) return consecutive(raw, start);
      break;
    case 'QUOTE_SINGLE':
    case 'QUOTE_DOUBLE':
      if (typeof value !== 'string') return null;
      if (!raw.includes('\n')) {
        const offsets = quotedOffsets(raw, value, node.type === 'QUOTE_SINGLE');
        if (offsets !== null)
          return exact(
            value,
            offsets.map((offset) => start + offset),
          );
      }
      break;
    case 'BLOCK_LITERAL': {
      if (typeof value !== 'string') return null;
      const offsets = literalBlockOffsets(raw, value);
      if (offsets !== null)
        return exact(
          value,
          offsets.map((offset) => start + offset),
        );
      break;
    }
    default:
      break;
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return null;
  const position = at(start);
  return { text: String(value), position: () => position };
}

/**
 * Offsets in `raw` (a one-line quoted scalar, quotes included) of each character of `value`,
 * plus the end; null when an escape makes the mapping inexact.
 */
function quotedOffsets(raw: string, value: string, single: boolean): number[] | null {
  const offsets: number[] = [];
  let pos = 1;
  for (const char of value) {
    if (single && char === "'" && raw.startsWith("''", pos)) {
      offsets.push(pos);
      pos += 2;
      continue;
    }
    if (raw[pos] !== char || (!single && char === '\\')) return null;
    // A character outside the BMP is two code units in both strings.
    for (let unit = 0; unit < char.length; unit++) offsets.push(pos + unit);
    pos += char.length;
  }
  offsets.push(pos);
  return raw.slice(pos) === raw[0] ? offsets : null;
}

/**
 * Offsets in `raw` (a literal block scalar from its `|` header) of each character of `value`:
 * each value line is a source line minus the block's indentation. Null when that does not hold
 * (an explicit indentation indicator, tabs …) so the caller falls back to the block's start.
 */
function literalBlockOffsets(raw: string, value: string): number[] | null {
  const headerEnd = raw.indexOf('\n');
  if (headerEnd === -1) return null;
  const bodyStart = headerEnd + 1;
  const sourceLines = raw.slice(bodyStart).split('\n');
  const firstContent = sourceLines.find((line) => line.trim() !== '');
  if (firstContent === undefined) return null;
  const indent = firstContent.length - firstContent.trimStart().length;
  const valueLines = value.split('\n');
  const offsets: number[] = [];
  let lineStart = bodyStart;
  for (let index = 0; index < valueLines.length; index++) {
    const valueLine = valueLines[index] as string;
    const sourceLine = sourceLines[index] ?? '';
    if (valueLine !== '' && sourceLine.slice(indent) !== valueLine) return null;
    for (let column = 0; column <= valueLine.length; column++) {
      // The last offset of a line stands for its newline (or the value's end).
      offsets.push(lineStart + Math.min(indent, sourceLine.length) + column);
    }
    lineStart += sourceLine.length + 1;
  }
  return offsets;
}
