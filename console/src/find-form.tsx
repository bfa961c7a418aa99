import { useState } from 'preact/hooks';

/** The API's rule for wallet and account ids (docs/api.md, POST /deposit): checked here so a typo is told at once. */
export const API_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** What the console says when an id breaks API_ID; `noun` is "wallet", "account", … */
export const idRuleText = (noun: string) =>
  `A${/^[aeiou]/.test(noun) ? 'n' : ''} ${noun} id is 1–128 characters A-Z a-z 0-9 . _ : @ -, starting with a letter or digit.`;

interface FindFormProps {
  /** The form's accessible name ("Find a wallet"). */
  name: string;
  /** The input's id and its label ("Wallet id"). */
  inputId: string;
  label: string;
  button: string;
  initial?: string;
  /** When set, the id must follow API_ID; the message names this noun. */
  idOf?: string;
  /** Gets the trimmed id; a problem text it returns (or resolves to) is shown under the form. */
  onFind: (id: string) => unknown;
}

/** One labelled id field with its button and its problem line: every "find X by id" of the console. */
export function FindForm({ name, inputId, label, button, initial = '', idOf, onFind }: FindFormProps) {
  const [typed, setTyped] = useState(initial);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const problemId = `${inputId}-problem`;
  const submit = async (event: Event) => {
    event.preventDefault();
    const id = typed.trim();
    if (idOf !== undefined && !API_ID.test(id)) {
      setProblem(idRuleText(idOf));
      return;
    }
    setProblem(undefined);
    const answer = await onFind(id);
    setProblem(typeof answer === 'string' ? answer : undefined);
  };
  return (
    <>
      <form class="find" aria-label={name} onSubmit={submit}>
        <label for={inputId}>{label}</label>
        <input
          id={inputId}
          value={typed}
          onInput={(event) => setTyped((event.target as HTMLInputElement).value)}
          aria-invalid={problem !== undefined}
          aria-describedby={problem === undefined ? undefined : problemId}
          autocomplete="off"
          spellcheck={false}
          required
        />
        <button type="submit">{button}</button>
      </form>
      {problem !== undefined && (
        <p id={problemId} class="error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
