import { formatMoney, formatTime } from '../../format.ts';
import type { Breach, Wallet } from './types.ts';

const WIDTH = 640;
const HEIGHT = 120;
const PAD = 24;

/**
 * The AboveThreshold flag, and once set, the 2-minute window that set it: the deposits in it on a
 * time axis (bar height by amount), with the same figures as a table for screen readers.
 */
export function FlagWindow({
  wallet,
  onSelect,
}: {
  wallet: Wallet;
  onSelect: (lane: number, version: number) => void;
}) {
  const breach = wallet.breach;
  return (
    <section aria-labelledby="flag-title" class="panel">
      <h2 id="flag-title">
        AboveThreshold{' '}
        <span class={`flag ${wallet.aboveThreshold ? 'flag-on' : 'flag-off'}`} data-testid="flag">
          {wallet.aboveThreshold ? 'true' : 'false'}
        </span>
      </h2>
      {breach === undefined ? (
        <p>No 2-minute window of deposits has exceeded the threshold.</p>
      ) : (
        <BreachWindow breach={breach} onSelect={onSelect} />
      )}
    </section>
  );
}

function BreachWindow({
  breach,
  onSelect,
}: {
  breach: Breach;
  onSelect: (lane: number, version: number) => void;
}) {
  const fromMs = Date.parse(breach.windowStart);
  const toMs = Date.parse(breach.at);
  const spanMs = Math.max(1, toMs - fromMs);
  const largest = Math.max(...breach.deposits.map((deposit) => deposit.amount), 1);
  const x = (iso: string) => PAD + ((Date.parse(iso) - fromMs) / spanMs) * (WIDTH - 2 * PAD);
  return (
    <>
      <p data-testid="breach-summary">
        Set by the window {formatTime(breach.windowStart)} – {formatTime(breach.at)}: {breach.depositCount}{' '}
        deposit{breach.depositCount === 1 ? '' : 's'} summing to {formatMoney(breach.sum)}.
      </p>
      <svg
        class="window-chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label="Deposits in the window that set the flag, on a time axis"
      >
        <line x1={PAD} x2={WIDTH - PAD} y1={HEIGHT - PAD} y2={HEIGHT - PAD} class="axis" />
        <text x={PAD} y={HEIGHT - 6} class="tick">
          {formatTime(breach.windowStart).slice(11, 19)}
        </text>
        <text x={WIDTH - PAD} y={HEIGHT - 6} class="tick" text-anchor="end">
          {formatTime(breach.at).slice(11, 19)}
        </text>
        {breach.deposits.map((deposit) => {
          const height = Math.max(4, (deposit.amount / largest) * (HEIGHT - 2 * PAD - 8));
          return (
            <rect
              key={`${deposit.lane}:${deposit.version}`}
              x={x(deposit.time) - 5}
              y={HEIGHT - PAD - height}
              width={10}
              height={height}
              class="deposit-bar"
            >
              <title>
                {formatMoney(deposit.amount)} at {formatTime(deposit.time)}
              </title>
            </rect>
          );
        })}
      </svg>
      <table class="compact" aria-label="Deposits in the window">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Amount</th>
            <th scope="col">Event</th>
          </tr>
        </thead>
        <tbody>
          {breach.deposits.map((deposit) => (
            <tr key={`${deposit.lane}:${deposit.version}`}>
              <td>{formatTime(deposit.time)}</td>
              <td>{formatMoney(deposit.amount)}</td>
              <td>
                <button type="button" class="link" onClick={() => onSelect(deposit.lane, deposit.version)}>
                  lane {deposit.lane} #{deposit.version}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
