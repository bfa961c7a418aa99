import '../ops.css';
import { useState } from 'preact/hooks';
import { api, call, errorText } from '../../api.ts';
import { formatTime, inputToIso } from '../../format.ts';
import { UtcTimeField } from '../../time-input.tsx';
import { JobCard, KIND_TITLES } from './job-card.tsx';
import { type JobKind, type JobRef, knownJobs, rememberJob } from './job-store.ts';

const JOB_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Replays, backtests and re-publishes: start a replay of every wallet or a re-publish of the events
 * recorded in a window, follow any job by its id, and see each job's live progress (polled), totals,
 * changes (or rejected events) and failures. Jobs started here or from the Rules page are remembered
 * in this browser.
 */
export function JobsPage() {
  const [jobs, setJobs] = useState<JobRef[]>(knownJobs);
  const [dryRun, setDryRun] = useState(true);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [openKind, setOpenKind] = useState<JobKind>('replay');
  const [openId, setOpenId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  const add = (job: JobRef) => {
    rememberJob(job);
    setJobs(knownJobs());
  };

  /** Starts a job (the POST's answer names it) and remembers it; a refusal is shown as the page's problem. */
  const start = async (
    kind: JobKind,
    post: () => Promise<{ data?: unknown; error?: unknown; response: Response }>,
    label: string,
  ) => {
    setBusy(true);
    setProblem(undefined);
    try {
      const jobId = ((await call(post())) as { jobId?: string }).jobId;
      if (jobId === undefined) throw new Error(`The ${KIND_TITLES[kind].toLowerCase()} did not start a job.`);
      add({ kind, jobId, startedAt: new Date().toISOString(), label });
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  const startReplay = () =>
    start(
      'replay',
      () => api().POST('/replay', { body: { dryRun } }),
      dryRun ? 'Every wallet, dry run' : 'Every wallet',
    );

  const startRepublish = (event: Event) => {
    event.preventDefault();
    const fromIso = inputToIso(from);
    const toIso = inputToIso(to);
    if (fromIso === undefined || toIso === undefined) {
      setProblem('A re-publish needs both times of its window: from and to (UTC).');
      return;
    }
    void start(
      'republish',
      () => api().POST('/republish', { body: { from: fromIso, to: toIso } }),
      `Events recorded from ${formatTime(fromIso)} to ${formatTime(toIso)} (excluded)`,
    );
  };

  const open = async (event: Event) => {
    event.preventDefault();
    const jobId = openId.trim();
    if (!JOB_ID.test(jobId)) {
      setProblem('A job id is 1–128 characters A-Z a-z 0-9 . _ : -');
      return;
    }
    setProblem(undefined);
    add({ kind: openKind, jobId, startedAt: new Date().toISOString(), label: 'Opened by id' });
    setOpenId('');
  };

  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <div class="grid">
        <div class="panel">
          <h2>Replay every wallet</h2>
          <p class="hint">
            Rebuilds every read model from the event store. A dry run reports what would change and writes
            nothing.
          </p>
          <label>
            <input
              type="checkbox"
              checked={dryRun}
              onChange={(e) => setDryRun((e.target as HTMLInputElement).checked)}
            />{' '}
            Dry run
          </label>
          <div class="buttons">
            <button type="button" onClick={startReplay} disabled={busy}>
              Start replay
            </button>
          </div>
        </div>
        <form class="panel stack" aria-label="Re-publish a window" onSubmit={startRepublish}>
          <h2>Re-publish a window</h2>
          <p class="hint">
            Publishes again, as the outbox relay did (same CloudEvent ids), every event recorded in the
            window: for a window the relay missed. The window must be over and at most 7 days wide; the job
            reads every item of the table.
          </p>
          <UtcTimeField id="republish-from" label="From (UTC, included)" value={from} onValue={setFrom} />
          <UtcTimeField id="republish-to" label="To (UTC, excluded)" value={to} onValue={setTo} />
          <div class="buttons">
            <button type="submit" disabled={busy}>
              Start re-publish
            </button>
          </div>
        </form>
        <form class="panel stack" aria-label="Open a job by id" onSubmit={open}>
          <h2>Open a job</h2>
          <label for="job-kind">Kind</label>
          <select
            id="job-kind"
            value={openKind}
            onChange={(e) => setOpenKind((e.target as HTMLSelectElement).value as JobKind)}
          >
            {Object.entries(KIND_TITLES).map(([kind, title]) => (
              <option key={kind} value={kind}>
                {title}
              </option>
            ))}
          </select>
          <label for="job-id">Job id</label>
          <input
            id="job-id"
            value={openId}
            onInput={(e) => setOpenId((e.target as HTMLInputElement).value)}
            autocomplete="off"
          />
          <div class="buttons">
            <button type="submit">Open</button>
          </div>
        </form>
      </div>
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <h2>Jobs started from this browser</h2>
      {jobs.length === 0 ? (
        <p class="hint">None yet.</p>
      ) : (
        <div class="jobs" aria-live="polite">
          {jobs.map((job) => (
            <JobCard key={job.jobId} kind={job.kind} jobId={job.jobId} label={job.label} />
          ))}
        </div>
      )}
    </section>
  );
}
