import { useEffect, useRef } from 'preact/hooks';
import { api, call, errorText, useLoad } from '../../api.ts';
import type { Verify } from './types.ts';

/** `GET /wallets/{id}/verify` as a badge: the hash chain, the read model and the signed checkpoints. */
export function VerifyBadge({ walletId, version }: { walletId: string; version: number }) {
  const result = useLoad(
    (signal) =>
      call<Verify>(
        api().GET('/wallets/{wallet_id}/verify', { params: { path: { wallet_id: walletId } }, signal }),
      ),
    [walletId, version],
  );
  // A verify that ran before the newest events reached the log it reads counts fewer than the page
  // shows: ask again a few times, so the badge ends up speaking of the events on screen.
  const retries = useRef(0);
  const counted = (result.data as { events?: number } | undefined)?.events;
  useEffect(() => {
    retries.current = 0;
  }, [version]);
  useEffect(() => {
    if (counted === undefined || counted >= version || retries.current >= 5) return;
    retries.current += 1;
    const timer = setTimeout(result.reload, 1_000);
    return () => clearTimeout(timer);
  }, [counted, version, result.reload]);
  if (result.error !== undefined)
    return (
      <span class="badge badge-unknown" data-testid="verify">
        Chain not checked: {errorText(result.error)}
      </span>
    );
  if (result.data === undefined)
    return (
      <span class="badge badge-unknown" data-testid="verify">
        Checking the hash chain…
      </span>
    );
  const verdict = result.data as {
    ok: boolean;
    events?: number;
    lane?: number;
    version?: number;
    reason?: string;
  };
  return verdict.ok ? (
    <span
      class="badge badge-ok"
      data-testid="verify"
      title="Hash chain, read model and signed checkpoints agree"
    >
      ✓ Chain verified: {verdict.events} events
    </span>
  ) : (
    <span class="badge badge-bad" data-testid="verify" role="alert">
      ✗ Chain broken at lane {verdict.lane} #{verdict.version}: {verdict.reason}
    </span>
  );
}
