import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../api.ts';
import { formatPoints } from '../../format.ts';
import { checkRules, type RuleCheck } from './rules-api.ts';

/** Wait this long after the last keystroke before asking the checker. */
const CHECK_DEBOUNCE_MS = 350;

/** The caret to line `line`, column `column` (1-based) of a textarea. */
function moveCaret(area: HTMLTextAreaElement, line: number, column: number): void {
  const lines = area.value.split('\n');
  const offset = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + column - 1;
  area.focus();
  area.setSelectionRange(offset, offset);
}

/**
 * The rule file editor: a plain, labelled textarea (keyboard and screen readers work as anywhere),
 * checked by `POST /rules/check` as the operator types; each error shows its line and column and a
 * button that puts the caret there.
 */
export function RuleEditor({
  text,
  onText,
  onCheck,
}: {
  text: string;
  onText: (text: string) => void;
  onCheck: (check: RuleCheck | undefined) => void;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [check, setCheck] = useState<RuleCheck | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      checkRules(text, undefined, controller.signal).then(
        (answer) => {
          setCheck(answer);
          setProblem(undefined);
          onCheck(answer);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setProblem(errorText(error));
          onCheck(undefined);
        },
      );
    }, CHECK_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);
  const errorLines = new Set((check?.errors ?? []).map((error) => error.line));
  const lineCount = text.split('\n').length;
  return (
    <div class="editor">
      <label for="rules-text">Rule file (one-liner or YAML form)</label>
      <div class="editor-body">
        <div class="gutter" aria-hidden="true">
          {Array.from({ length: lineCount }, (_, index) => (
            <div key={index} class={errorLines.has(index + 1) ? 'bad' : undefined}>
              {index + 1}
            </div>
          ))}
        </div>
        <textarea
          id="rules-text"
          ref={area}
          value={text}
          rows={Math.min(Math.max(lineCount + 1, 8), 24)}
          spellcheck={false}
          aria-invalid={check !== undefined && !check.ok}
          aria-describedby="rules-check"
          onInput={(event) => onText((event.target as HTMLTextAreaElement).value)}
          onScroll={(event) => {
            const gutter = (event.target as HTMLElement).previousElementSibling as HTMLElement | null;
            if (gutter !== null) gutter.scrollTop = (event.target as HTMLElement).scrollTop;
          }}
        />
      </div>
      <div id="rules-check" class="check" aria-live="polite">
        {problem !== undefined && <p class="error">The checker could not be reached: {problem}</p>}
        {check?.ok === true && (
          <p class="ok-text">
            Compiles: {check.rules.length} rule{check.rules.length === 1 ? '' : 's'}.
          </p>
        )}
        {check?.ok === false && (
          <ul class="rule-errors" aria-label="Errors in the rule file">
            {check.errors.map((error) => (
              <li key={`${error.line}:${error.column}:${error.message}`}>
                <button
                  type="button"
                  class="link"
                  onClick={() => area.current !== null && moveCaret(area.current, error.line, error.column)}
                >
                  Line {error.line}, column {error.column}
                </button>
                : {error.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

/** Tries the editor's text on one sample fact: the awards it earns, or the rule that fails on it. */
export function SampleFactForm({ text }: { text: string }) {
  const [type, setType] = useState('trade');
  const [subject, setSubject] = useState('w1');
  const [data, setData] = useState('{"qty": 12}');
  const [answer, setAnswer] = useState<RuleCheck | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const run = async (event: Event) => {
    event.preventDefault();
    setProblem(undefined);
    let parsed: unknown;
    try {
      parsed = data.trim() === '' ? undefined : (JSON.parse(data) as unknown);
    } catch {
      setProblem('The data is not JSON.');
      return;
    }
    try {
      setAnswer(await checkRules(text, { type, subject, ...(parsed === undefined ? {} : { data: parsed }) }));
    } catch (error) {
      setProblem(errorText(error));
    }
  };
  const awards = answer?.fact?.awards ?? [];
  const total = awards.reduce((sum, award) => sum + award.points, 0);
  return (
    <form class="panel stack sample" aria-labelledby="sample-title" onSubmit={run}>
      <h2 id="sample-title">Try a sample fact</h2>
      <label for="fact-type">Event type</label>
      <input
        id="fact-type"
        value={type}
        onInput={(e) => setType((e.target as HTMLInputElement).value)}
        required
      />
      <label for="fact-subject">Subject (wallet)</label>
      <input
        id="fact-subject"
        value={subject}
        onInput={(e) => setSubject((e.target as HTMLInputElement).value)}
        required
      />
      <label for="fact-data">Data (JSON)</label>
      <textarea
        id="fact-data"
        rows={3}
        value={data}
        spellcheck={false}
        onInput={(e) => setData((e.target as HTMLTextAreaElement).value)}
      />
      <div class="buttons">
        <button type="submit">Try</button>
      </div>
      <div aria-live="polite" class="sample-result">
        {problem !== undefined && <p class="error">{problem}</p>}
        {answer?.ok === false && <p class="error">The rule file does not compile: fix the errors first.</p>}
        {answer?.fact?.failure != null && (
          <p class="error">
            Rule {answer.fact.failure.ruleId} (line {answer.fact.failure.line}) fails on this fact:{' '}
            {answer.fact.failure.reason}: {answer.fact.failure.detail}
          </p>
        )}
        {answer?.fact !== undefined && answer.fact.failure === null && (
          <p>
            Earns <strong>{formatPoints(total)} points</strong>
            {awards.length > 0 && (
              <> ({awards.map((award) => `${award.ruleId}: ${formatPoints(award.points)}`).join(', ')})</>
            )}
            .
          </p>
        )}
      </div>
    </form>
  );
}
