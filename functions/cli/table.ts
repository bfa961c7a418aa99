/** Plain-text tables for the CLI's summaries: columns padded to their widest cell, numbers right-aligned. */

const NUMERIC = /^[+-]?\d[\d.,]*$/;

const isNumber = (cell: string) => cell.split(' → ').some((part) => NUMERIC.test(part));

/**
 * Lines of a table, columns two spaces apart. The first column (the labels) is left-aligned; any
 * other column that holds a number (also as "a → b") is right-aligned, title included.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const right = header.map((_title, column) => column > 0 && rows.some((row) => isNumber(row[column] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length;
        return right[column] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A cell for any JSON value: null/undefined as —, the rest as text. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A difference with its sign: +600, -300, 0. */
export function signed(value: unknown): string {
  const text = cell(value);
  if (!NUMERIC.test(text) || text.startsWith('-') || text.startsWith('+') || Number(text) === 0) return text;
  return `+${text}`;
}
