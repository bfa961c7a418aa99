import { useState } from 'preact/hooks';
import { api, call, errorText } from '../../api.ts';
import { API_ID } from '../../find-form.tsx';
import { inputToIso } from '../../format.ts';
import { UtcTimeField } from '../../time-input.tsx';
import { type BacktestLine, JobCard, WalletDiffTable } from '../jobs/job-card.tsx';
import { rememberJob } from '../jobs/job-store.ts';

interface BacktestReport {
  dryRun: boolean;
  wallets: BacktestLine[];
  unknownWallets: string[];
  totals: Record<string, number>;
}

/**
 * Backtest the editor's text or a published version against the stored facts: named wallets are
 * answered at once with a per-wallet table; every wallet runs as a job whose progress shows here.
 * Applying (published versions only) appends the differences, after a confirmation.
 */
export function Backtest({ draft, draftOk, active }: { draft: string; draftOk: boolean; active: number }) {
  const [candidate, setCandidate] = useState<'draft' | 'active'>('draft');
  const [wallets, setWallets] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [report, setReport] = useState<BacktestReport | undefined>(undefined);
  const [job, setJob] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const run = async (apply: boolean) => {
    const walletIds = wallets.split(/[\s,]+/).filter((id) => id !== '');
    const bad = walletIds.find((id) => !API_ID.test(id));
    if (bad !== undefined) {
      setProblem(`"${bad}" is not a wallet id.`);
      return;
    }
    if (
      apply &&
      !window.confirm(
        `Append the differences of version ${active} as adjustments to ${walletIds.length === 0 ? 'every wallet' : walletIds.join(', ')}?`,
      )
    )
      return;
    const range = {
      ...(inputToIso(from) === undefined ? {} : { from: inputToIso(from) }),
      ...(inputToIso(to) === undefined ? {} : { to: inputToIso(to) }),
    };
    const body = {
      ...(candidate === 'draft' && !apply ? { rules: draft } : { ruleSetVersion: active }),
      ...(walletIds.length === 0 ? {} : { walletIds }),
      ...range,
      ...(apply ? { apply: true } : {}),
    };
    setBusy(true);
    setProblem(undefined);
    setReport(undefined);
    setJob(undefined);
    try {
      const answer = (await call(api().POST('/rules/backtest', { body: body as never }))) as
        | BacktestReport
        | { jobId: string };
      if ('jobId' in answer) {
        rememberJob({
          kind: 'backtest',
          jobId: answer.jobId,
          startedAt: new Date().toISOString(),
          label: `${candidate === 'draft' && !apply ? 'Editor text' : `Version ${active}`} over every wallet${apply ? ', applied' : ''}`,
        });
        setJob(answer.jobId);
      } else setReport(answer);
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="backtest-title">
      <h2 id="backtest-title">Backtest</h2>
      <form
        class="stack"
        aria-label="Backtest"
        onSubmit={(event) => {
          event.preventDefault();
          void run(false);
        }}
      >
        <fieldset>
          <legend>Candidate</legend>
          <label>
            <input
              type="radio"
              name="candidate"
              checked={candidate === 'draft'}
              onChange={() => setCandidate('draft')}
            />{' '}
            The editor's text
          </label>
          <label>
            <input
              type="radio"
              name="candidate"
              checked={candidate === 'active'}
              onChange={() => setCandidate('active')}
            />{' '}
            The active version ({active === 0 ? 'built-in' : active})
          </label>
        </fieldset>
        <label for="backtest-wallets">
          Wallets (ids separated by spaces or commas; empty: every wallet, as a job)
        </label>
        <input
          id="backtest-wallets"
          value={wallets}
          onInput={(e) => setWallets((e.target as HTMLInputElement).value)}
          autocomplete="off"
        />
        <UtcTimeField id="backtest-from" label="Facts from (UTC, optional)" value={from} onValue={setFrom} />
        <UtcTimeField id="backtest-to" label="Facts before (UTC, optional)" value={to} onValue={setTo} />
        <div class="buttons">
          <button type="submit" disabled={busy || (candidate === 'draft' && !draftOk)}>
            Run backtest
          </button>
          <button type="button" class="danger" disabled={busy || active === 0} onClick={() => void run(true)}>
            Apply version {active === 0 ? '' : active}…
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {problem !== undefined && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        {report !== undefined && (
          <>
            <p>
              {report.dryRun ? 'Dry run: nothing written.' : 'Applied: the differences were appended.'} Total
              difference <strong>{report.totals.difference ?? 0}</strong> points over{' '}
              {report.totals.facts ?? 0} facts.
            </p>
            {report.unknownWallets.length > 0 && (
              <p class="hint">Unknown wallets: {report.unknownWallets.join(', ')}</p>
            )}
            <WalletDiffTable lines={report.wallets} caption="Per wallet: awarded now and by the candidate" />
          </>
        )}
        {job !== undefined && <JobCard kind="backtest" jobId={job} label="Every wallet" />}
      </div>
    </section>
  );
}
