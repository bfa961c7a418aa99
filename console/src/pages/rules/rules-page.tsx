import '../ops.css';
import { useEffect, useState } from 'preact/hooks';
import { errorText, useLoad } from '../../api.ts';
import { formatTime } from '../../format.ts';
import { Backtest } from './backtest.tsx';
import { RuleEditor, SampleFactForm } from './editor.tsx';
import { RuleHistory } from './history.tsx';
import { PublishDialog } from './publish-dialog.tsx';
import { activeRules, type RuleCheck, type RuleSet } from './rules-api.ts';

/**
 * Rules: the active rule set, an editor checked as you type, a sample fact to try it on, a
 * backtest against history (per-wallet differences), publishing with a confirmation, and the
 * history of published versions with a diff between any two.
 */
export function RulesPage() {
  const [refresh, setRefresh] = useState(0);
  const active = useLoad((signal) => activeRules(signal), [refresh]);
  const [text, setText] = useState<string | undefined>(undefined);
  const [check, setCheck] = useState<RuleCheck | undefined>(undefined);
  const [publishing, setPublishing] = useState(false);
  const [published, setPublished] = useState<RuleSet | undefined>(undefined);
  // The editor starts from the active text, once.
  useEffect(() => {
    if (text === undefined && active.data !== undefined) setText(active.data.text);
  }, [active.data]);
  const ruleSet = active.data;
  const draft = text ?? '';
  const unchanged = ruleSet !== undefined && draft === ruleSet.text;
  return (
    <section aria-labelledby="rules-title">
      <h1 id="rules-title">Rules</h1>
      {active.error !== undefined && (
        <p class="error" role="alert">
          Could not read the active rule set: {errorText(active.error)}
        </p>
      )}
      {ruleSet !== undefined && (
        <p class="active-rules" data-version={ruleSet.version}>
          Active: <strong>version {ruleSet.version}</strong>
          {ruleSet.builtIn ? ' (built-in)' : ''}
          {ruleSet.publishedAt !== null && <>, published {formatTime(ruleSet.publishedAt)}</>}
          {ruleSet.publishedBy !== null && <> by {ruleSet.publishedBy}</>}
          <span class="mono hint"> {ruleSet.textHash.slice(0, 12)}</span>
        </p>
      )}
      {published !== undefined && (
        <p class="notice" role="status">
          Published version {published.version}.
        </p>
      )}
      <div class="rules-layout">
        <div class="panel">
          <h2>Edit</h2>
          {text !== undefined && <RuleEditor text={text} onText={setText} onCheck={setCheck} />}
          <div class="buttons">
            <button
              type="button"
              disabled={ruleSet === undefined || check?.ok !== true || unchanged}
              onClick={() => setPublishing(true)}
            >
              Publish…
            </button>
            <button
              type="button"
              class="secondary"
              disabled={ruleSet === undefined || unchanged}
              onClick={() => ruleSet !== undefined && setText(ruleSet.text)}
            >
              Revert to active
            </button>
          </div>
          {unchanged && <p class="hint">The editor holds the active text.</p>}
        </div>
        <SampleFactForm text={draft} />
      </div>
      {ruleSet !== undefined && (
        <Backtest draft={draft} draftOk={check?.ok === true} active={ruleSet.version} />
      )}
      <RuleHistory refresh={refresh} active={ruleSet?.version ?? 0} />
      {publishing && ruleSet !== undefined && (
        <PublishDialog
          active={ruleSet}
          text={draft}
          onClose={(ruleSetPublished) => {
            setPublishing(false);
            if (ruleSetPublished !== undefined) {
              setPublished(ruleSetPublished);
              setRefresh((value) => value + 1);
            }
          }}
        />
      )}
    </section>
  );
}
