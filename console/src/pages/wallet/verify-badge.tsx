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
