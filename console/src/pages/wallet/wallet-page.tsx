import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation, useSearch } from 'wouter-preact';
import { ApiError, api, call, errorText, useLoad } from '../../api.ts';
import type { PageProps } from '../../page-props.ts';
import { rememberWallet } from '../home.tsx';
import { useAuditTrail } from './audit-trail.ts';
import { BalanceChart, balanceSeries } from './balance-chart.tsx';
import { Balances } from './balances.tsx';
import { CorrectDialog } from './correct-dialog.tsx';
import { FlagWindow } from './flag-window.tsx';
import { MomentPicker } from './moment-picker.tsx';
import { Timeline } from './timeline.tsx';
import {
  type AuditEvent,
  isNow,
  type Moment,
  type Transaction,
  type TransactionsPage,
  type Wallet,
} from './types.ts';
import { VerifyBadge } from './verify-badge.tsx';

/** How often the page asks whether the wallet changed (its version) while showing now. */
export const LIVE_POLL_MS = 1_500;
/** The chart reads at most this many pages of movements (200 each), newest first. */
const CHART_PAGES_MAX = 2;

function useMoment(): [Moment, (moment: Moment) => void] {
  const search = new URLSearchParams(useSearch());
  const [location, navigate] = useLocation();
  const moment = { asOf: search.get('asOf') ?? undefined, knownAt: search.get('knownAt') ?? undefined };
  const setMoment = (next: Moment) => {
    const query = new URLSearchParams();
    if (next.asOf !== undefined) query.set('asOf', next.asOf);
    if (next.knownAt !== undefined) query.set('knownAt', next.knownAt);
    const text = query.toString();
    navigate(text === '' ? location : `${location}?${text}`);
  };
  return [moment, setMoment];
}

/**
 * The wallet page: balances per asset, the AboveThreshold flag and the window that set it, the
 * balance over time, the hash-chain badge and the event timeline, at now (live) or a past moment.
 */
export function WalletPage({ params }: PageProps) {
  const walletId = params.walletId ?? '';
  const [moment, setMoment] = useMoment();
  const live = isNow(moment);
  // Counts the changes seen (a poll that found a new version, a correction): what reloads depend on.
  const [tick, setTick] = useState(0);
  const [arrived, setArrived] = useState<string | undefined>(undefined);
  const [correcting, setCorrecting] = useState<AuditEvent | undefined>(undefined);
  const [highlight, setHighlight] = useState<string | undefined>(undefined);
  const [revealRequest, setRevealRequest] = useState(0);

  const readWallet = (at: Moment, signal: AbortSignal) =>
    call<Wallet>(
      api().GET('/wallets/{wallet_id}', {
        params: {
          path: { wallet_id: walletId },
          query: {
            ...(at.asOf === undefined ? {} : { asOf: at.asOf }),
            ...(at.knownAt === undefined ? {} : { knownAt: at.knownAt }),
          },
        },
        signal,
      }),
    );
  // The wallet now (the chart walks back from today's balance) and, at a past moment, then.
  const nowWallet = useLoad(
    (signal) => readWallet({ asOf: undefined, knownAt: undefined }, signal),
    [walletId, tick],
  );
  const pastWallet = useLoad(
    (signal) => (live ? Promise.resolve(undefined) : readWallet(moment, signal)),
    [walletId, moment.asOf, moment.knownAt, live],
  );
  const wallet = live ? nowWallet : pastWallet;
  // The version on screen, which the live poll compares with the wallet's.
  const shownVersion = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (nowWallet.data !== undefined) shownVersion.current = nowWallet.data.version;
  }, [nowWallet.data]);

  useEffect(() => {
    if (wallet.data !== undefined) rememberWallet(walletId);
  }, [wallet.data, walletId]);

  // Live: ask for the wallet's version; a new one redraws everything that depends on it.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(async () => {
      if (document.hidden) return;
      try {
        const now = await call<Wallet>(
          api().GET('/wallets/{wallet_id}', { params: { path: { wallet_id: walletId } } }),
        );
        const shown = shownVersion.current;
        if (shown !== undefined && now.version !== shown) {
          shownVersion.current = now.version;
          setArrived(`New events: version ${shown} → ${now.version}.`);
          setTick((value) => value + 1);
        }
      } catch {
        // A missed poll is retried at the next tick; the page keeps what it shows.
      }
    }, LIVE_POLL_MS);
    return () => clearInterval(timer);
  }, [walletId, live]);

  const trail = useAuditTrail(walletId, tick);
  const movements = useLoad(
    async (signal) => {
      const lines: Transaction[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < CHART_PAGES_MAX; page++) {
        const answer: TransactionsPage = await call<TransactionsPage>(
          api().GET('/wallets/{wallet_id}/transactions', {
            params: {
              path: { wallet_id: walletId },
              query: { limit: '200', ...(cursor === undefined ? {} : { cursor }) },
            },
            signal,
          }),
        );
        lines.push(...answer.transactions);
        if (answer.nextCursor === null) break;
        cursor = answer.nextCursor;
      }
      return lines;
    },
    [walletId, tick],
  );

  const reveal = async (key: string) => {
    setHighlight(key);
    await trail.loadUntil(key);
    setRevealRequest((value) => value + 1);
  };

  if (wallet.error instanceof ApiError && wallet.error.status === 404) {
    return (
      <section>
        <h1>Wallet {walletId}</h1>
        <p role="alert">
          {live ? 'No wallet with this id: it has no events.' : 'The wallet had no events at that moment.'}
        </p>
        {!live && <MomentPicker moment={moment} onChange={setMoment} />}
      </section>
    );
  }
  const current = wallet.data;
  const cutoffMs = [moment.asOf, moment.knownAt]
    .filter((value): value is string => value !== undefined)
    .map((value) => Date.parse(value))
    .reduce<number | undefined>(
      (earliest, value) => (earliest === undefined ? value : Math.min(earliest, value)),
      undefined,
    );
  return (
    <section aria-labelledby="wallet-title" class="wallet">
      <div class="title-row">
        <h1 id="wallet-title">
          Wallet <span data-testid="wallet-id">{walletId}</span>
        </h1>
        {current !== undefined && <VerifyBadge walletId={walletId} version={current.version} />}
        {live && (
          <span class="live" title={`Checks for new events every ${LIVE_POLL_MS / 1000} s`}>
            ● Live
          </span>
        )}
      </div>
      <p class="visually-hidden" aria-live="polite" data-testid="arrived">
        {arrived ?? ''}
      </p>
      <MomentPicker moment={moment} onChange={setMoment} />
      {wallet.error !== undefined && (
        <p class="error" role="alert">
          {errorText(wallet.error)}
        </p>
      )}
      {current === undefined ? (
        <p>Reading the wallet…</p>
      ) : (
        <>
          <div class="grid">
            <section aria-labelledby="balances-title" class="panel">
              <h2 id="balances-title">Balances</h2>
              <Balances wallet={current} />
              <p class="hint">
                {current.version.toLocaleString('en-US')} events · updated {current.updatedAt}
              </p>
            </section>
            <FlagWindow
              wallet={current}
              onSelect={(lane, eventVersion) => void reveal(`${lane}:${eventVersion}`)}
            />
          </div>
          <BalanceChart
            series={balanceSeries(movements.data ?? [], {
              money: Number((nowWallet.data ?? current).assets.money.balance),
              points: (nowWallet.data ?? current).assets.points.balance,
            })}
            cutoffMs={live ? undefined : cutoffMs}
          />
          <Timeline
            trail={trail}
            total={current.version}
            knownAtMs={moment.knownAt === undefined ? undefined : Date.parse(moment.knownAt)}
            highlight={highlight}
            revealRequest={revealRequest}
            canCorrect={live}
            onCorrect={setCorrecting}
            onReveal={(key) => void reveal(key)}
          />
        </>
      )}
      {correcting !== undefined && current !== undefined && (
        <CorrectDialog
          walletId={walletId}
          wallet={current}
          event={correcting}
          onClose={(changed) => {
            setCorrecting(undefined);
            if (changed) setTick((value) => value + 1);
          }}
        />
      )}
    </section>
  );
}
