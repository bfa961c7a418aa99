/** The replay benchmark's figures: the ratios, the printed table and the `--json` file. */
import { writeFile } from 'node:fs/promises';
import { printTable } from '../support.ts';
import type { CpuUsed, Pass } from './measure.ts';
import type { LongWalletRow, ProfileRow } from './rebuild.ts';
import { SNAPSHOT_BEHIND } from './seed.ts';

const RATIO_TARGET = 0.8;

/** Both rates are means of two passes, taken in turns on this shared machine. */
export function compare(
  passes: { queryBefore: Pass; queryAfter: Pass; replay: Pass; replayAgain: Pass },
  measuredEvents: number,
  log: (line: string) => void,
) {
  const { queryBefore, queryAfter, replay, replayAgain } = passes;
  const queryEventsPerSecond = Math.round((queryBefore.eventsPerSecond + queryAfter.eventsPerSecond) / 2);
  const querySeconds = (queryBefore.seconds + queryAfter.seconds) / 2;
  const replayEventsPerSecond = Math.round((replay.eventsPerSecond + replayAgain.eventsPerSecond) / 2);
  const replayVsQueryRatio = replayEventsPerSecond / queryEventsPerSecond;
  // The machine is shared: the CPU each path took per event (node + DynamoDB Local) is steadier
  // than its wall time.
  const cpuUsPerEvent = (cpu: CpuUsed) => (1e6 * (cpu.node + cpu.jvm)) / measuredEvents;
  const queryCpuUs = (cpuUsPerEvent(queryBefore.cpu) + cpuUsPerEvent(queryAfter.cpu)) / 2;
  const replayCpuUs = (cpuUsPerEvent(replay.cpu) + cpuUsPerEvent(replayAgain.cpu)) / 2;
  log(
    `replay ÷ raw Query: ${replayVsQueryRatio.toFixed(2)} by wall time, ${(queryCpuUs / replayCpuUs).toFixed(2)} by CPU ` +
      `(${queryCpuUs.toFixed(0)} vs ${replayCpuUs.toFixed(0)} µs per event)`,
  );
  return {
    ...passes,
    queryEventsPerSecond,
    querySeconds,
    replayEventsPerSecond,
    replayVsQueryRatio,
    queryCpuUs,
    replayCpuUs,
  };
}

export interface ReplayFigures {
  totalEvents: number;
  wallets: number;
  multiLane: number;
  concurrency: number;
  seedSeconds: number;
  seedEventsPerSecond: number;
  measuredEvents: number;
  comparison: ReturnType<typeof compare>;
  profileRows: ProfileRow[];
  longRows: LongWalletRow[];
  wallSeconds: number;
}

/** Prints the table to stdout and, with `--json`, writes the figures to that file. */
export async function report(input: ReplayFigures, json: string | undefined, log: (line: string) => void) {
  const { totalEvents, multiLane, seedSeconds, seedEventsPerSecond, measuredEvents, longRows } = input;
  const c = input.comparison;
  const fullRebuildMs = longRows.reduce((sum, row) => sum + row.fullRebuildMs, 0);
  const snapshotRebuildMs = longRows.reduce((sum, row) => sum + row.snapshotRebuildMs, 0);
  const snapshotSpeedup = fullRebuildMs / snapshotRebuildMs;
  const replaySeconds = c.replay.seconds;

  const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
  const figures = {
    events: totalEvents,
    wallets: input.wallets,
    seedEventsPerSecond,
    queryEventsPerSecond: c.queryEventsPerSecond,
    replayEventsPerSecond: c.replayEventsPerSecond,
    measuredEvents,
    replayVsQueryRatio: round(c.replayVsQueryRatio, 3),
    snapshotRebuildMs: round(snapshotRebuildMs),
    fullRebuildMs: round(fullRebuildMs),
    snapshotSpeedup: round(snapshotSpeedup, 2),
    details: {
      concurrency: input.concurrency,
      multiLaneWallets: multiLane,
      seedSeconds: round(seedSeconds),
      querySeconds: round(c.querySeconds),
      queryEventsPerSecondBeforeAndAfter: [
        Math.round(c.queryBefore.eventsPerSecond),
        Math.round(c.queryAfter.eventsPerSecond),
      ],
      queryCpuSeconds: { node: round(c.queryBefore.cpu.node), dynamodbLocal: round(c.queryBefore.cpu.jvm) },
      replaySeconds: round(replaySeconds),
      replayEventsPerSecondFirstAndSecond: [
        Math.round(c.replay.eventsPerSecond),
        Math.round(c.replayAgain.eventsPerSecond),
      ],
      replayCpuSeconds: { node: round(c.replay.cpu.node), dynamodbLocal: round(c.replay.cpu.jvm) },
      cpuMicrosecondsPerEvent: {
        rawQuery: round(c.queryCpuUs),
        replay: round(c.replayCpuUs),
      },
      replayVsQueryRatioByCpu: round(c.queryCpuUs / c.replayCpuUs, 3),
      wallSeconds: round(input.wallSeconds),
      snapshotBehindHead: SNAPSHOT_BEHIND,
      longWallets: longRows.map((row) => ({
        ...row,
        fullRebuildMs: round(row.fullRebuildMs),
        snapshotRebuildMs: round(row.snapshotRebuildMs),
      })),
      profileMicrosecondsPerEvent: input.profileRows,
    },
  };

  const rows: [string, string, string][] = [
    ['events seeded (wallets)', `${totalEvents} (${input.wallets}, ${multiLane} multi-lane)`, '≥ 1,000,000'],
    ['seeding, BatchWriteItem', `${seedEventsPerSecond} events/s (${seedSeconds.toFixed(0)} s)`, '—'],
    [
      'raw Query, every lane (mean of 2 passes)',
      `${c.queryEventsPerSecond} events/s (${c.querySeconds.toFixed(0)} s a pass)`,
      '—',
    ],
    [
      'replayWallets, every wallet (mean of 2 passes)',
      `${c.replayEventsPerSecond} events/s (${measuredEvents} events, ${replaySeconds.toFixed(0)} s)`,
      '—',
    ],
    [
      'replay ÷ raw Query, by wall time (by CPU)',
      `${c.replayVsQueryRatio.toFixed(2)} (${(c.queryCpuUs / c.replayCpuUs).toFixed(2)}: ${c.queryCpuUs.toFixed(0)} vs ${c.replayCpuUs.toFixed(0)} µs per event)`,
      `≥ ${RATIO_TARGET}`,
    ],
    ...longRows.map((row): [string, string, string] => [
      `rebuild ${row.walletId} (${row.events} events)`,
      `${(row.fullRebuildMs / 1000).toFixed(2)} s from zero, ${row.snapshotRebuildMs.toFixed(0)} ms from the snapshot at ${row.snapshotAt} (${(row.fullRebuildMs / row.snapshotRebuildMs).toFixed(0)}×)`,
      '—',
    ]),
    [
      'snapshot speed-up, long wallets',
      `${snapshotSpeedup.toFixed(1)}× (${(fullRebuildMs / 1000).toFixed(2)} s vs ${(snapshotRebuildMs / 1000).toFixed(2)} s)`,
      '—',
    ],
  ];
  printTable(['figure', 'value', 'target'], rows);
  process.stdout.write(`wall time ${input.wallSeconds.toFixed(0)} s\n`);
  if (json) {
    await writeFile(json, `${JSON.stringify(figures, null, 2)}\n`);
    log(`figures written to ${json}`);
  }
}
