import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../api.ts';
import { formatTime } from '../../format.ts';
import { LineDiff } from './line-diff.tsx';
import { type RuleSetVersion, ruleSetText, versionsPage } from './rules-api.ts';

/** Every published version (paged, 50 a read), and a line diff between any two. */
export function RuleHistory({ refresh, active }: { refresh: number; active: number }) {
  const [versions, setVersions] = useState<RuleSetVersion[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [from, setFrom] = useState<number | undefined>(undefined);
  const [to, setTo] = useState<number | undefined>(undefined);
  const [texts, setTexts] = useState<{ before: string; after: string; label: string } | undefined>(undefined);

  const load = async (cursor: string | undefined) => {
    try {
      const page = await versionsPage(cursor);
      setVersions((previous) => (cursor === undefined ? page.versions : [...previous, ...page.versions]));
      setNext(page.next);
      setProblem(undefined);
      return page.versions;
    } catch (error) {
      setProblem(errorText(error));
      return [];
    }
  };

  useEffect(() => {
    void load(undefined).then((page) => {
      // The newest two, by default: what the last publish changed.
      const last = page.at(-1)?.version;
      if (last !== undefined) {
        setTo(last);
        setFrom(last > 1 ? last - 1 : last);
      }
    });
  }, [refresh]);

  const compare = async (event: Event) => {
    event.preventDefault();
    if (from === undefined || to === undefined) return;
    try {
      const [before, after] = await Promise.all([ruleSetText(from), ruleSetText(to)]);
      setTexts({ before: before.text, after: after.text, label: `Version ${from} → version ${to}` });
      setProblem(undefined);
    } catch (error) {
      setProblem(errorText(error));
    }
  };

  const options = versions.map((version) => (
    <option key={version.version} value={version.version}>
      {version.version}
    </option>
  ));
  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
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
        <button type="button" class="secondary" onClick={() => void load(next)}>
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
