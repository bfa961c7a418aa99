/**
 * `npx tsx bench/prof/hot-figures.ts [--quick] [--json FILE]` — only the hot-wallet phase of
 * `npm run bench` (bench/run/hot-wallet-figures.ts, the same shapes, rounds and sizes), on a fresh
 * DynamoDB Local of its own as the bench runs it: about 20 s instead of the whole bench's 70, for
 * before/after pairs of lane changes. Prints the figures, the requests by command and the load.
 */

import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { observeClients } from '#adapters/dynamodb/client.ts';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { hotWalletFigures } from '../run/hot-wallet-figures.ts';
import { args } from '../run/settings.ts';
import { cpuSeconds } from '../support.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
/** Requests by command over the whole phase (head reads are Query, appends TransactWriteItems). */
const calls = new Map<string, number>();
observeClients((client) =>
  client.middlewareStack.add(
    (next, context) => async (input) => {
      const name = context.commandName ?? '?';
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(input);
    },
    { step: 'initialize', name: 'hotFiguresCalls' },
  ),
);

const loadBefore = loadavg()[0] ?? 0;
// JVM_FLAGS: extra emulator JVM flags (an A/B of JIT settings).
const jvmFlags = (process.env.JVM_FLAGS ?? '').split(' ').filter(Boolean);
const ddb = await startDynamoDbLocal({ inMemory: true, log, tuning: 'throughput', jvmFlags });
try {
  const cpu = await cpuSeconds(ddb.pid);
  const hot = await hotWalletFigures(ddb.endpoint);
  const jvmS = (await cpuSeconds(ddb.pid)).jvm - cpu.jvm;
  const out = {
    jvmFlags,
    jvmCpuS: jvmS,
    ...hot.figures,
    hotWalletLanes: hot.many.lanes,
    load: [loadBefore, loadavg()[0] ?? 0],
    requests: Object.fromEntries(calls),
  };
  log(JSON.stringify(out, null, 2));
  if (args.json) await writeFile(args.json, `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await ddb.stop();
}
