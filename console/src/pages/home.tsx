import { useLocation } from 'wouter-preact';
import { FindForm } from '../find-form.tsx';
import { WalletLink } from '../wallet-link.tsx';

const RECENT_KEY = 'tally.console.recentWallets';
const RECENT_MAX = 8;

export function recentWallets(): string[] {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** Remembers a wallet that was opened, newest first. */
export function rememberWallet(walletId: string): void {
  const list = [walletId, ...recentWallets().filter((id) => id !== walletId)].slice(0, RECENT_MAX);
  localStorage.setItem(RECENT_KEY, JSON.stringify(list));
}

/** Find a wallet by its id (the API has no wallet search; ids come from support tickets and logs). */
export function HomePage() {
  const [, navigate] = useLocation();
  const recent = recentWallets();
  return (
    <section aria-labelledby="find-title">
      <h1 id="find-title">Find a wallet</h1>
      <FindForm
        name="Find a wallet"
        inputId="wallet-id"
        label="Wallet id"
        button="Open"
        idOf="wallet"
        onFind={(id) => navigate(`/wallets/${encodeURIComponent(id)}`)}
      />
      {recent.length > 0 && (
        <>
          <h2>Opened recently</h2>
          <ul class="recent">
            {recent.map((id) => (
              <li key={id}>
                <WalletLink walletId={id} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
