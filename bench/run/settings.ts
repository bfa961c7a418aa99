/**
 * `npm run bench`'s arguments and sizes, and the capacity meter every document client this process
 * creates reports to (registered on import, before any client is built).
 */
import { parseArgs } from 'node:util';
import { observeClients } from '#adapters/dynamodb/client.ts';
import { CapacityMeter } from '../capacity-meter.ts';

export const { values: args } = parseArgs({
  options: { json: { type: 'string' }, quick: { type: 'boolean', default: false } },
  allowPositionals: false,
});
export const QUICK = args.quick === true;
export const DEPOSITS = QUICK ? 300 : 1500;
export const WALLETS = 100;
export const HTTP_CONCURRENCY = 4;
export const HOT_SINGLE = QUICK ? 150 : 400;
export const HOT_PRODUCERS = 16;
export const HOT_PER_PRODUCER = QUICK ? 10 : 30;
export const HOT_ROUNDS = QUICK ? 1 : 2;
export const INGEST_EVENTS = QUICK ? 200 : 600;
export const LAG_RATE = 40;
/** Events the raw BatchWriteItem rate is measured on. */
export const RAW_EVENTS = QUICK ? 2_000 : 5_000;
/**
 * The AWS hot-wallet simulation runs scaled down, at a fixed 1/AWS_SCALE: each simulated partition
 * takes AWS_PARTITION_UNITS / AWS_SCALE = 20 write units a second, and the deposits per second
 * measured are multiplied by AWS_SCALE. This machine writes tens to hundreds of deposits a second
 * to one wallet (it depends on the load), under one real partition's budget, so at full scale the
 * machine, not the partition, would be the limit. At 1/50 one partition is the limit for today's
 * layout (about 8 deposits/s here), and a layout that spreads over partitions is limited by the
 * machine instead: its figure is then a lower bound of what the layout allows.
 */
export const AWS_PARTITION_UNITS = 1_000;
export const AWS_SCALE = 50;
export const AWS_PRODUCERS = 16;
export const AWS_PER_PRODUCER = QUICK ? 10 : 25;
/** Deposits per producer before the clock starts (hot-wallet.ts). */
export const AWS_WARM_UP = 4;
export const LAG_DEPOSITS = QUICK ? 120 : 300;

export const meter = new CapacityMeter();
observeClients((client) => meter.attach(client));
export const log = (line: string) => process.stderr.write(`${line}\n`);
