import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api.ts';
import { formatTime } from '../../format.ts';
import { usePaged } from '../../paged.ts';
import { LineDiff } from './line-diff.tsx';
import { ruleSetText, versionsPage } from './rules-api.ts';

/** Every published version (paged, 50 a read), and a line diff between any two. */
export function RuleHistory({ refresh, active }: { refresh: number; active: number }) {
  const history = usePaged(
    async (cursor) => {
      const page = await versionsPage(cursor);
      return { items: page.versions, next: page.next };
    },
    [refresh],
  );
  const { items: versions, next, problem } = history;
  // Versions are numbered 1, 2, … with no gap; the list is oldest first and paged, so the newest is
  // the active version (or the last read, if that is later). Compared by default: the newest two,
  // what the last publish changed, until the user picks others (a publish resets the pick).
  const newest = Math.max(active, versions.at(-1)?.version ?? 0);
  const [picked, setPicked] = useState<{ from?: number; to?: number }>({});
  useEffect(() => setPicked({}), [refresh]);
  const to = picked.to ?? (newest > 0 ? newest : undefined);
  const from = picked.from ?? (newest > 1 ? newest - 1 : to);
  const setFrom = (version: number) => setPicked((previous) => ({ ...previous, from: version }));
  const setTo = (version: number) => setPicked((previous) => ({ ...previous, to: version }));
  const [texts, setTexts] = useState<{ before: string; after: string; label: string } | undefined>(undefined);
  const [compareProblem, setCompareProblem] = useState<string | undefined>(undefined);

  const compare = async (event: Event) => {
    event.preventDefault();
    if (from === undefined || to === undefined) return;
    try {
      const [before, after] = await Promise.all([ruleSetText(from), ruleSetText(to)]);
      setTexts({ before: before.text, after: after.text, label: `Version ${from} → version ${to}` });
      setCompareProblem(undefined);
    } catch (error) {
      setCompareProblem(errorText(error));
    }
  };

  const options = Array.from({ length: newest }, (_, index) => (
    <option key={index + 1} value={index + 1}>
      {index + 1}
    </option>
  ));
  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {(problem ?? compareProblem) !== undefined && (
        <p class="error" role="alert">
          {problem ?? compareProblem}
        </p>
      )}
      {versions.length === 0 ? (
        <p class="hint">Nothing published yet: the built-in rule set is in force.</p>
      ) : (
        <table class="compact versions">
          <caption class="visually-hidden">Published versions, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Published</th>
              <th scope="col">By</th>
              <th scope="col">Source</th>
              <th scope="col">Rules</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => (
              <tr key={version.version} aria-current={version.version === active ? 'true' : undefined}>
                <td>
                  {version.version}
                  {version.version === active && <span class="badge badge-ok">active</span>}
                </td>
                <td>{version.publishedAt === null ? '—' : formatTime(version.publishedAt)}</td>
                <td>{version.publishedBy ?? '—'}</td>
                <td class="mono">{version.source ?? '—'}</td>
                <td>{version.rules ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <button type="button" class="secondary" onClick={history.more} disabled={history.loading}>
          Older versions
        </button>
      )}
      {versions.length > 0 && (
        <form class="diff-pick" aria-label="Compare two versions" onSubmit={compare}>
          <label for="diff-from">From version</label>
          <select
            id="diff-from"
            value={from}
            onChange={(e) => setFrom(Number((e.target as HTMLSelectElement).value))}
          >
            {options}
          </select>
          <label for="diff-to">to version</label>
          <select
            id="diff-to"
            value={to}
            onChange={(e) => setTo(Number((e.target as HTMLSelectElement).value))}
          >
            {options}
          </select>
          <button type="submit">Compare</button>
        </form>
      )}
      {texts !== undefined && <LineDiff before={texts.before} after={texts.after} label={texts.label} />}
    </section>
  );
}
