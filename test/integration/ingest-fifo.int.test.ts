import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/**
 * A FIFO events queue, as the stack can deploy it: POST /events sends each event with
 * MessageGroupId = its wallet and MessageDeduplicationId = its id, so a wallet's events reach the
 * ingest handler in the order they were sent, and a resend within SQS's 5-minute window is dropped
 * before it costs an invocation.
 */
let runtime: LocalRuntime;
const delivered: SQSEvent['Records'] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({
    queues: { fifo: true, drainOnStopMs: 0 },
    wrapHandler: (spec, handler) =>
      spec.name !== 'ingest-queue'
        ? handler
        : async (event, context) => {
            delivered.push(...(event as SQSEvent).Records);
            return handler(event, context);
          },
  });
});

afterAll(async () => {
  await runtime?.stop();
});

const deposit = (id: string, walletId: string, amount: string) => ({
  specversion: '1.0',
  id,
  source: 'fifo-test',
  type: 'wallet.deposit',
  subject: walletId,
  time: '2026-11-22T10:00:00Z',
  data: { amount },
});

async function post(body: unknown): Promise<void> {
  const response = await fetch(`${runtime.url}/events`, { method: 'POST', body: JSON.stringify(body) });
  expect(response.status, await response.text()).toBe(202);
}

describe('a FIFO events queue', () => {
  it('delivers each wallet’s events in order, grouped by wallet and deduplicated by id', async () => {
    expect(runtime.eventsQueueUrl).toMatch(/\.fifo$/);
    const first = Array.from({ length: 25 }, (_, index) =>
      deposit(`fifo-${index}`, index % 2 === 0 ? 'fifo-even' : 'fifo-odd', `${index + 1}`),
    );
    await post(first);
    await post([first[0], first[1]]); // a resend: SQS drops it by deduplication id
    await runtime.whenIngested();

    expect(delivered.map((record) => record.attributes.MessageDeduplicationId).sort()).toEqual(
      first.map((event) => event.id).sort(),
    );
    for (const wallet of ['fifo-even', 'fifo-odd']) {
      const inGroup = delivered.filter((record) => record.attributes.MessageGroupId === wallet);
      const sent = first.filter((event) => event.subject === wallet).map((event) => event.id);
      expect(inGroup.map((record) => (JSON.parse(record.body) as { id: string }).id)).toEqual(sent);
      expect(inGroup.every((record) => record.eventSourceARN.endsWith('.fifo'))).toBe(true);
    }

    const even = await fetch(`${runtime.url}/details/fifo-even`).then((response) => response.text());
    expect(even).toBe('{"WalletID":"fifo-even","Balance":169,"AboveThreshold":false}');
  });
});
