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
export const LAG_DEPOSITS = QUICK ? 120 : 300;

export const meter = new CapacityMeter();
observeClients((client) => meter.attach(client));
export const log = (line: string) => process.stderr.write(`${line}\n`);
