import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../api.ts';
import { LineDiff } from './line-diff.tsx';
import { publishRules, type RuleSet } from './rules-api.ts';

/**
 * Publishing is a confirmation step: the dialog shows what the new version changes against the
 * active one, and only "Publish version N" sends `PUT /rules`.
 */
export function PublishDialog({
  active,
  text,
  onClose,
}: {
  active: RuleSet;
  text: string;
  onClose: (published: RuleSet | undefined) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const close = (published: RuleSet | undefined) => {
    dialog.current?.close();
    onClose(published);
  };
  const publish = async () => {
    setSending(true);
    setProblem(undefined);
    try {
      const { ruleSet } = await publishRules(text);
      close(ruleSet);
    } catch (error) {
      setProblem(errorText(error));
      setSending(false);
    }
  };
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="publish-title"
      onCancel={(event) => {
        event.preventDefault();
        close(undefined);
      }}
    >
      <h2 id="publish-title">Publish version {active.version + 1}?</h2>
      <p>
        Every function picks the new version up within 2 seconds; awards from then on follow it. What is
        already awarded stays until you apply a backtest.
      </p>
      <LineDiff before={active.text} after={text} label={`Active version ${active.version} → new version`} />
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <div class="buttons">
        <button type="button" onClick={publish} disabled={sending}>
          Publish version {active.version + 1}
        </button>
        <button type="button" class="secondary" onClick={() => close(undefined)} disabled={sending}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
