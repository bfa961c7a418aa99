/**
 * A piece of a rule file together with the way back from an offset in the piece to a line and
 * column in the file, so every error — ours or the CEL library's — names a place in the file.
 */
export interface Position {
  line: number;
  column: number;
}

export interface SourceText {
  text: string;
  /** 1-based position in the file of the character at `offset` (0-based) of `text`. */
  position: (offset: number) => Position;
}

/** A span of one line: offsets map to consecutive columns. */
export function onLine(text: string, line: number, startColumn: number): SourceText {
  return { text, position: (offset) => ({ line, column: startColumn + offset }) };
}

/** Text whose characters have no exact place (a folded YAML scalar): every offset maps to its start. */
export function atPosition(text: string, position: Position): SourceText {
  return { text, position: () => position };
}

/** The part `[start, end)` of a source text, keeping its positions. */
export function slice(source: SourceText, start: number, end: number): SourceText {
  return {
    text: source.text.slice(start, end),
    position: (offset) => source.position(start + offset),
  };
}

/** The source text without leading and trailing whitespace, keeping its positions. */
export function trim(source: SourceText): SourceText {
  const leading = source.text.length - source.text.trimStart().length;
  const end = source.text.trimEnd().length;
  return slice(source, leading, Math.max(leading, end));
}
