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
 * The AWS hot-wallet simulation runs scaled down: this machine writes tens to hundreds of deposits
 * a second (it depends on the load), well under one real partition's 1,000 write units a second,
 * so at full scale the machine, not the partition, would be the limit. The run gives each
 * simulated partition 1/AWS_HEADROOM of the write units this machine managed unthrottled (the hot
 * wallet run just before), and scales the deposits per second measured by 1,000 ÷ that budget.
 * A layout can then show up to AWS_HEADROOM× one partition's rate before the machine caps it.
 */
export const AWS_PARTITION_UNITS = 1_000;
export const AWS_HEADROOM = 6;
export const AWS_PRODUCERS = 16;
export const AWS_PER_PRODUCER = QUICK ? 10 : 25;
export const LAG_DEPOSITS = QUICK ? 120 : 300;

export const meter = new CapacityMeter();
observeClients((client) => meter.attach(client));
export const log = (line: string) => process.stderr.write(`${line}\n`);
