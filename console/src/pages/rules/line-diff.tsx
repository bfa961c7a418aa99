import { diffLines } from 'diff';

/** One line of a diff: kept, added or removed, with its line numbers on each side. */
export interface DiffLine {
  op: ' ' | '+' | '-';
  text: string;
  oldLine?: number;
  newLine?: number;
}

/** A line diff of two texts (jsdiff's Myers diff), as numbered lines. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const lines: DiffLine[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const part of diffLines(before, after)) {
    const texts = part.value.replace(/\n$/, '').split('\n');
    for (const text of texts) {
      if (part.added) lines.push({ op: '+', text, newLine: newLine++ });
      else if (part.removed) lines.push({ op: '-', text, oldLine: oldLine++ });
      else lines.push({ op: ' ', text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return lines;
}

/** A unified line diff, with +/- spelled out for screen readers and not by colour alone. */
export function LineDiff({ before, after, label }: { before: string; after: string; label: string }) {
  const lines = lineDiff(before, after);
  const changed = lines.filter((line) => line.op !== ' ').length;
  return (
    <figure class="line-diff">
      <figcaption>
        {label}: {changed === 0 ? 'no difference' : `${changed} line(s) changed`}
      </figcaption>
      <table class="diff" aria-label={label}>
        <tbody>
          {lines.map((line, index) => (
            <tr key={index} class={line.op === '+' ? 'added' : line.op === '-' ? 'removed' : undefined}>
              <td class="num">{line.oldLine ?? ''}</td>
              <td class="num">{line.newLine ?? ''}</td>
              <td class="op">
                <span aria-hidden="true">{line.op}</span>
                {line.op !== ' ' && (
                  <span class="visually-hidden">{line.op === '+' ? 'added' : 'removed'}</span>
                )}
              </td>
              <td class="text">
                <code>{line.text}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
