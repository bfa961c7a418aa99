import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';

const RECENT_KEY = 'tally.console.recentWallets';
const RECENT_MAX = 8;
/** The API's wallet id rule (README, POST /deposit): checked here so a typo is told at once. */
const WALLET_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

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
  const [walletId, setWalletId] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const recent = recentWallets();
  const submit = (event: Event) => {
    event.preventDefault();
    const id = walletId.trim();
    if (!WALLET_ID.test(id)) {
      setProblem('A wallet id is 1–128 characters A-Z a-z 0-9 . _ : @ -, starting with a letter or digit.');
      return;
    }
    navigate(`/wallets/${encodeURIComponent(id)}`);
  };
  return (
    <section aria-labelledby="find-title">
      <h1 id="find-title">Find a wallet</h1>
      <form class="find" aria-label="Find a wallet" onSubmit={submit}>
        <label for="wallet-id">Wallet id</label>
        <input
          id="wallet-id"
          name="walletId"
          value={walletId}
          onInput={(event) => setWalletId((event.target as HTMLInputElement).value)}
          aria-invalid={problem !== undefined}
          aria-describedby={problem === undefined ? undefined : 'wallet-id-problem'}
          autocomplete="off"
          spellcheck={false}
          required
        />
        <button type="submit">Open</button>
      </form>
      {problem !== undefined && (
        <p id="wallet-id-problem" class="error" role="alert">
          {problem}
        </p>
      )}
      {recent.length > 0 && (
        <>
          <h2>Opened recently</h2>
          <ul class="recent">
            {recent.map((id) => (
              <li key={id}>
                <Link href={`/wallets/${encodeURIComponent(id)}`}>{id}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
