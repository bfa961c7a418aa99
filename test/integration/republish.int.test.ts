import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../functions/adapters/dynamodb/event-store.ts';
import { scanRecordedEvents } from '../../functions/adapters/dynamodb/recorded-events.ts';
import { LocalEventBus } from '../../functions/adapters/local/event-bus.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { ensureTable } from '../../functions/local/table.ts';
import type { PublishedEvent } from '../../functions/ports/event-bus.ts';
import {
  startTestRuntime,
  testDocumentClient,
  testDynamoDbClient,
  uniqueTableName,
} from '../support/local.ts';

/**
 * The re-publish job end to end in the local runtime on DynamoDB Local: deposits through the API,
 * published by the outbox relay from the table's stream; then `POST /republish` over a window of
 * them, run page by page by run-jobs from the jobs queue, puts exactly the window's events on the
 * bus again, byte for byte the CloudEvents the relay published (same ids).
 */

/** The local bus, keeping every event every publish carried (the bus itself keeps an id once). */
class RecordingBus extends LocalEventBus {
  readonly carried: PublishedEvent[] = [];
  override async publish(events: readonly PublishedEvent[]) {
    this.carried.push(...events);
    return super.publish(events);
  }
}

const TOKEN = 'republish-admin';
const bus = new RecordingBus();
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { TALLY_ADMIN_TOKEN: TOKEN }, eventBus: bus });
});

afterAll(async () => {
  await runtime?.stop();
});

const admin = { authorization: `Bearer ${TOKEN}` };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function deposit(walletId: string, amount: string): Promise<void> {
  const response = await fetch(`${runtime.url}/deposit`, {
    method: 'POST',
    body: JSON.stringify({ WalletID: walletId, Amount: amount }),
  });
  expect(response.status, await response.text()).toBe(201);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (const started = Date.now(); Date.now() - started < 30_000; await sleep(50)) {
    const found = await probe();
    if (found !== undefined) return found;
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('POST /republish in the local runtime', () => {
  it("puts the window's events on the bus again, as the relay published them", async () => {
    await deposit('rp-a', '1.00');
    await sleep(20);
    const fromMs = Date.now();
    await deposit('rp-a', '2.00');
    await deposit('rp-b', '3.00');
    await deposit('rp-a', '4.00');
    const toMs = Date.now() + 1;
    await sleep(20);
    await deposit('rp-b', '5.00');

    // The relay publishes all five from the stream.
    const relayed = await until('the relay', () => {
      const ours = bus.carried.filter((event) => event.subject.startsWith('rp-'));
      return ours.length >= 5 ? ours : undefined;
    });
    expect(relayed).toHaveLength(5);
    const inWindow = relayed.filter((event) => {
      const at = Date.parse(event.time);
      return at >= fromMs && at < toMs;
    });
    const amountOf = (event: PublishedEvent) => (JSON.parse(event.dataJson) as { amount: number }).amount;
    expect(inWindow.map(amountOf).sort()).toEqual([2, 3, 4]);
    const before = bus.carried.length;

    const started = await fetch(`${runtime.url}/republish`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() }),
    });
    expect(started.status).toBe(202);
    const { jobId, href } = (await started.json()) as { jobId: string; href: string };
    expect(href).toBe(`/republish/${jobId}`);

    const report = await until('the job', async () => {
      const response = await fetch(`${runtime.url}${href}`, { headers: admin });
      const body = (await response.json()) as { status: string; totals: Record<string, number> };
      return body.status === 'done' ? body : undefined;
    });
    expect(report.totals).toMatchObject({ events: 3, published: 3, rejected: 0 });
    // Every item of the table was read: events, views, keys, the job's own items.
    expect(report.totals.scanned).toBeGreaterThan(5);

    const republished = bus.carried.slice(before);
    const bytes = (events: readonly PublishedEvent[]) => events.map((event) => JSON.stringify(event)).sort();
    expect(bytes(republished)).toEqual(bytes(inWindow));
    expect(republished.every((event) => event.source === 'tally/local')).toBe(true);

    // A window with nothing in it publishes nothing.
    const empty = await fetch(`${runtime.url}/republish`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' }),
    });
    const emptyHref = ((await empty.json()) as { href: string }).href;
    const emptyReport = await until('the empty job', async () => {
      const body = (await (await fetch(`${runtime.url}${emptyHref}`, { headers: admin })).json()) as {
        status: string;
        totals: Record<string, number>;
      };
      return body.status === 'done' ? body : undefined;
    });
    expect(emptyReport.totals).toMatchObject({ events: 0, published: 0 });
    expect(bus.carried.length).toBe(before + 3);
  });

  it('refuses a reversed window with a 400 problem, starting nothing', async () => {
    const response = await fetch(`${runtime.url}/republish`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ from: '2026-12-07T05:00:01Z', to: '2026-12-07T05:00:00Z' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('recordedBetween on DynamoDB Local (the walk the job pages through)', () => {
  it('finds each event of the window exactly once over every segment and page, and nothing else', async () => {
    const raw = testDynamoDbClient();
    const documents = testDocumentClient();
    const tableName = uniqueTableName('tally-int-recorded');
    await ensureTable(raw, tableName);
    try {
      const store = new DynamoEventStore(documents, tableName);
      const T0 = Date.parse('2026-12-07T05:00:00Z');
      const expected: string[] = [];
      for (let w = 0; w < 6; w++) {
        for (let e = 0; e < 5; e++) {
          const recordedAtMs = T0 + 10 * e + w; // the window [T0 + 10, T0 + 30) holds e = 1 and 2
          const eventId = `rec-${w}-${e}`;
          if (recordedAtMs >= T0 + 10 && recordedAtMs < T0 + 30) expected.push(eventId);
          await store.append({
            walletId: `rec-${w}`,
            lane: 0,
            expected: await store.head(`rec-${w}`, 0),
            events: [
              {
                type: 'Deposited',
                data: { amountMinor: 100n, occurredAtMs: recordedAtMs },
                eventId,
                recordedAtMs,
              },
            ],
          });
        }
      }
      const found: string[] = [];
      let pages = 0;
      let scanned = 0;
      for (let segment = 0; segment < 3; segment++) {
        let cursor: string | null = null;
        do {
          const page = await scanRecordedEvents(
            documents,
            tableName,
            { segment, segments: 3, cursor, fromMs: T0 + 10, toMs: T0 + 30 },
            4,
          );
          expect(page.scanned).toBeLessThanOrEqual(4);
          found.push(...page.events.map((event) => event.eventId));
          scanned += page.scanned;
          pages += 1;
          cursor = page.nextCursor;
        } while (cursor !== null);
      }
      expect(found.sort()).toEqual(expected.sort());
      expect(scanned).toBe(30);
      expect(pages).toBeGreaterThan(6);
    } finally {
      documents.destroy();
      await raw.send(new DeleteTableCommand({ TableName: tableName }));
      raw.destroy();
    }
  });
});
