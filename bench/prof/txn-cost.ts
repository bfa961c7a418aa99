/**
 * `npx tsx bench/prof/txn-cost.ts` — what DynamoDB Local charges in time per write shape, after a
 * warm-up (the JIT done): one conditional PutItem, a TransactWriteItems of n event puts (n = 1 …
 * 64, each conditional as appendGroup sends them), and K such transactions in flight at once on
 * different partition keys. Prints ms per request and per item. JVM CPU per item too.
 */

import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cpuSeconds, cpuSince } from '../support.ts';
import { emulatorWithTable, eventPut } from './event-puts.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const table = 'txn-cost';
const { ddb, client } = await emulatorWithTable(table);
type Mode = 'all' | 'condition-all-old-first' | 'first-only' | 'none';
const item = (walletId: string, version: number, conditional: boolean, first = true) =>
  eventPut(table, { walletId, lane: 0, version }, conditional, first);
let wallet = 0;
async function txns(n: number, inFlight: number, total: number, mode: Mode = 'all') {
  const perStream = Math.ceil(total / Math.max(n, 1) / inFlight);
  const cpu = await cpuSeconds(ddb.pid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      const w = `w-${wallet++}`;
      let v = 0;
      for (let i = 0; i < perStream; i++) {
        const items = Array.from({ length: n }, (_, k) => ({
          Put: item(
            w,
            ++v,
            mode === 'all' || mode === 'condition-all-old-first' || (mode === 'first-only' && k === 0),
            mode === 'all' || k === 0,
          ),
        }));
        if (n === 0) await client.send(new PutCommand(item(w, ++v, true)));
        else await client.send(new TransactWriteCommand({ TransactItems: items }));
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  const used = await cpuSince(ddb.pid, cpu);
  const itemsDone = perStream * inFlight * Math.max(n, 1);
  return {
    itemsPerS: itemsDone / s,
    msPerReq: (s * 1000) / perStream,
    jvmMsPerItem: (used.jvm * 1000) / itemsDone,
  };
}
// Warm-up: JIT everything we will use.
for (let i = 0; i < 2; i++) {
  await txns(0, 4, 1000);
  await txns(16, 2, 1000);
  await txns(1, 4, 500);
}
const shapes: [string, number, number, Mode?][] = [
  ['PutItem, 1 caller', 0, 1],
  ['PutItem, 16 callers', 0, 16],
  ['txn 1 item', 1, 1],
  ['txn 4 items', 4, 1],
  ['txn 16 items', 16, 1],
  ['txn 16, ALL_OLD on first only', 16, 1, 'condition-all-old-first'],
  ['txn 16, condition on first only', 16, 1, 'first-only'],
  ['txn 16, no conditions', 16, 1, 'none'],
  ['txn 16 items (again)', 16, 1],
  ['txn 32 items', 32, 1],
  ['txn 64 items', 64, 1],
  ['txn 100 items', 100, 1],
  ['2 × txn 8 items in flight', 8, 2],
  ['2 × txn 16 items in flight', 16, 2],
  ['4 × txn 16 items in flight', 16, 4],
  ['4 × txn 4 items in flight', 4, 4],
  ['2 × txn 8, ALL_OLD first only', 8, 2, 'condition-all-old-first'],
  ['2 × txn 16, ALL_OLD first only', 16, 2, 'condition-all-old-first'],
];
const only = process.env.SHAPES?.split(',');
const picked = only ? shapes.filter(([label]) => only.some((o) => label.startsWith(o))) : shapes;
for (let round = 0; round < Number(process.env.ROUNDS ?? 1); round++) {
  for (const [label, n, inFlight, conditional] of picked) {
    const r = await txns(n, inFlight, n === 0 ? 300 : 800, conditional ?? 'all');
    log(
      `${label.padEnd(30)} ${r.itemsPerS.toFixed(0).padStart(6)} items/s  ${r.msPerReq.toFixed(1).padStart(6)} ms/request  jvm cpu ${r.jvmMsPerItem.toFixed(2)} ms/item`,
    );
  }
}
await ddb.stop();
