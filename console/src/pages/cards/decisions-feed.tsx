import { useEffect, useState } from 'preact/hooks';
import { errorText, followEvents } from '../../api.ts';
import { formatMoney, formatTime } from '../../format.ts';

/** `tally.authorization.decided`'s data: byte for byte the API's 201 (app/card-answers.ts). */
export interface Decision {
  authorizationId: string;
  accountId: string;
  amount: number | string;
  currency: string;
  merchant: { id: string; name?: string; mcc: string };
  decision: 'approved' | 'declined';
  reasons: string[];
  ruleSetVersion: number;
  available: number | string;
  decidedAt: string;
}

/** The feed keeps the newest this many decisions (a live view, not a history: that is the account's statement). */
const FEED_MAX = 200;
const DECIDED = 'tally.authorization.decided';

/**
 * Decisions as they are published (GET /events/stream, server-sent events; local runtime), newest
 * first; `accountId` narrows the feed to one account.
 */
export function DecisionsFeed({ accountId }: { accountId?: string }) {
  const [decisions, setDecisions] = useState<Decision[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'stopped'>('connecting');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    followEvents(
      (event) => {
        // Each frame is one structured CloudEvent (`event: cloudevent`); the decision is its data.
        const cloudEvent = event.data as { type?: string; data?: Decision };
        if (cloudEvent.type !== DECIDED || cloudEvent.data === undefined) return;
        const decision = cloudEvent.data;
        setDecisions((previous) => [decision, ...previous].slice(0, FEED_MAX));
      },
      controller.signal,
      () => setState('live'),
    ).then(
      () => setState('stopped'),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState('stopped');
        setProblem(errorText(error));
      },
    );
    return () => controller.abort();
  }, []);
  const shown =
    accountId === undefined ? decisions : decisions.filter((decision) => decision.accountId === accountId);
  return (
    <section class="panel" aria-labelledby="feed-title">
      <h2 id="feed-title">
        Live decisions{' '}
        <span class={`badge ${state === 'live' ? 'badge-ok' : 'badge-unknown'}`}>
          {state === 'live' ? 'live' : state}
        </span>
      </h2>
      <p class="hint">
        Published <code>{DECIDED}</code> events as they arrive
        {accountId === undefined ? '' : ` for ${accountId}`}.
      </p>
      {problem !== undefined && (
        <p class="error" role="alert">
          The feed stopped: {problem}
        </p>
      )}
      {shown.length === 0 ? (
        <p class="hint">No decision since this page opened.</p>
      ) : (
        <ol class="feed" aria-live="polite" aria-label="Published decisions, newest first">
          {shown.map((decision) => (
            <li key={decision.authorizationId} class={`decision-${decision.decision}`}>
              <span class={`badge ${decision.decision === 'approved' ? 'badge-ok' : 'badge-bad'}`}>
                {decision.decision}
              </span>{' '}
              <strong>{decision.accountId}</strong> {formatMoney(decision.amount)} {decision.currency} at{' '}
              {decision.merchant.name ?? decision.merchant.id} (MCC {decision.merchant.mcc})
              {decision.reasons.length > 0 && <> — {decision.reasons.join(', ')}</>}{' '}
              <span class="hint">{formatTime(decision.decidedAt)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
