import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Transaction } from './types.ts';

/** What changes the held amount, not the balance (docs/api.md, the transactions listing: for hold/release the amount is what is held). */
const HELD_ONLY = new Set(['hold', 'release']);

export interface BalancePoint {
  atSeconds: number;
  money: number;
  points: number;
}

/**
 * Balance after each movement, oldest first, from the newest movements (newest first, as the API
 * lists them) and today's balances: walking back, the balance before a line is the balance after it
 * less its amount. Only the movements read are drawn, so a long wallet costs one or two pages.
 */
export function balanceSeries(
  newestFirst: readonly Transaction[],
  current: { money: number; points: number },
): BalancePoint[] {
  const series: BalancePoint[] = [];
  let money = current.money;
  let points = current.points;
  for (const line of newestFirst) {
    series.push({ atSeconds: Date.parse(line.recordedAt) / 1000, money, points });
    if (HELD_ONLY.has(line.kind)) continue;
    const amount = Number(line.amount);
    if (line.asset === 'points') points -= amount;
    else money -= amount;
  }
  return series.reverse();
}

export function BalanceChart({ series, cutoffMs }: { series: BalancePoint[]; cutoffMs: number | undefined }) {
  const holder = useRef<HTMLDivElement>(null);
  const shown =
    cutoffMs === undefined ? series : series.filter((point) => point.atSeconds * 1000 <= cutoffMs);
  useEffect(() => {
    const element = holder.current;
    if (element === null || shown.length === 0) return;
    // A wallet that never held points (or money) draws one line, not a flat second one.
    const hasMoney = shown.some((point) => point.money !== 0);
    const hasPoints = shown.some((point) => point.points !== 0);
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const chart = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: 220,
        // Times in UTC, as everywhere in the console.
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
        // One movement alone would stretch the axis over years: show a minute either side of it.
        scales: {
          x: { time: true, range: (_chart, min, max) => (min === max ? [min - 60, max + 60] : [min, max]) },
        },
        series: [
          {},
          {
            label: 'Money',
            stroke: '#1f5fbf',
            width: 2,
            scale: 'money',
            paths: stepped,
            show: hasMoney || !hasPoints,
          },
          { label: 'Points', stroke: '#b3541e', width: 2, scale: 'points', paths: stepped, show: hasPoints },
        ],
        axes: [
          {},
          { scale: 'money', label: 'money' },
          { scale: 'points', side: 1, label: 'points', grid: { show: false } },
        ],
      },
      [
        shown.map((point) => point.atSeconds),
        shown.map((point) => point.money),
        shown.map((point) => point.points),
      ],
      element,
    );
    return () => chart.destroy();
  }, [shown]);
  return (
    <section aria-labelledby="chart-title" class="panel">
      <h2 id="chart-title">Balance over time</h2>
      {shown.length === 0 ? (
        <p>No movements to draw.</p>
      ) : (
        <>
          <div
            ref={holder}
            class="chart"
            role="img"
            aria-label={`Balance after each of the last ${shown.length} movements`}
          />
          <p class="hint">
            The last {shown.length} movements, by record time (balance after each; holds change what is held,
            not the balance).
          </p>
        </>
      )}
    </section>
  );
}
