import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../functions/adapters/sqs/client.ts';
import { RULES_REFRESH_MS } from '../../functions/app/active-rules.ts';
import { backtestCommand } from '../../functions/cli/backtest.ts';
import { runCommand } from '../../functions/cli/command.ts';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';
import { testIo } from '../unit/cli/fake-api.ts';

/**
 * Issue 15 §1: an accepted event that cannot take effect is parked where the API shows it with
 * its reason, and a redrive sends it back; a redrive of a message that already took effect is a
 * replay (ingest is idempotent by source + id), so nothing is counted twice.
 */
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime?.stop();
});

interface Letter {
  id: string;
  queue: string;
  code: string | null;
  reason: string;
  body: string;
}

const listLetters = async (): Promise<Letter[]> => {
  const response = await fetch(`${runtime.url}/dead-letters?queue=events`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { letters: Letter[] }).letters;
};

async function post(events: unknown): Promise<void> {
  const response = await fetch(`${runtime.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(response.status, await response.text()).toBe(202);
  await runtime.whenIngested();
}

const points = async (walletId: string): Promise<number> => {
  await runtime.whenProjected();
  const response = await fetch(`${runtime.url}/wallets/${walletId}`);
  return ((await response.json()) as { points: number }).points;
};

describe('dead letters, listed and redriven', () => {
  it('lists a trade the shipped rules fail on, with its reason; redrive puts it back (and it fails again, visibly)', async () => {
    // A qty that is text: the shipped trade-volume rule guards a missing qty (has()), not a wrong type.
    await post({
      specversion: '1.0',
      id: 'trade-no-data',
      source: 'dl-e2e',
      type: 'trade',
      subject: 'dl-w1',
      datacontenttype: 'application/json',
      data: { qty: 'ten' },
    });
    const letters = await listLetters();
    const letter = letters.find((candidate) => candidate.body.includes('trade-no-data'));
    expect(letter).toMatchObject({ queue: 'events', code: 'rule-failed' });
    expect(letter?.reason).toMatch(/trade-volume/);
    // Listing took nothing out.
    expect((await listLetters()).map((candidate) => candidate.id)).toContain(letter?.id);
    // One letter, whole (what `tally dlq show` prints): the body as it arrived and why it failed.
    const shown = await fetch(`${runtime.url}/dead-letters/${encodeURIComponent(letter?.id ?? '')}`);
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({ id: letter?.id, code: 'rule-failed', body: letter?.body });
    expect((await fetch(`${runtime.url}/dead-letters/no-such-id?queue=events`)).status).toBe(404);

    const redrive = await fetch(`${runtime.url}/dead-letters/${letter?.id}/redrive?queue=events`, {
      method: 'POST',
    });
    expect(redrive.status).toBe(200);
    expect(await redrive.json()).toEqual({ redriven: [{ queue: 'events', id: letter?.id }] });
    await runtime.whenIngested();
    // The rules still fail on it: parked again, as a new letter, never lost.
    const after = await listLetters();
    expect(after.map((candidate) => candidate.id)).not.toContain(letter?.id);
    expect(after.some((candidate) => candidate.body.includes('trade-no-data'))).toBe(true);

    const missing = await fetch(`${runtime.url}/dead-letters/no-such-id/redrive?queue=events`, {
      method: 'POST',
    });
    expect(missing.status).toBe(404);
  });

  it('redriving a message that already took effect changes nothing: the balance stays', async () => {
    const liked = {
      specversion: '1.0',
      id: 'liked-once',
      source: 'dl-e2e',
      type: 'answer_is_liked',
      subject: 'dl-w2',
      data: { answerId: 'a-1' },
    };
    await post(liked);
    expect(await points('dl-w2')).toBe(250);

    // The same event parked anyway (say, its handler timed out after the write committed).
    const sqs = createSqsClient({ endpoint: runtime.sqsEndpoint });
    await sqs.send(
      new SendMessageCommand({ QueueUrl: runtime.eventsDlqUrl, MessageBody: JSON.stringify(liked) }),
    );
    sqs.destroy();
    expect((await listLetters()).some((letter) => letter.body.includes('liked-once'))).toBe(true);

    const all = await fetch(`${runtime.url}/dead-letters/redrive?queue=events`, { method: 'POST' });
    expect(all.status).toBe(200);
    const { redriven } = (await all.json()) as { redriven: unknown[] };
    expect(redriven.length).toBeGreaterThanOrEqual(1);
    await runtime.whenIngested();
    expect(await points('dl-w2')).toBe(250);
    expect((await listLetters()).some((letter) => letter.body.includes('liked-once'))).toBe(false);
  });
});

describe('a backtest that sees parked facts, then a redrive that records them', () => {
  // Last in the file: it publishes a rule set, which the tests above do not expect.
  it('shows what a fixed rule set would award a fact parked by a failing rule; redriven, it is awarded that', async () => {
    await post({
      specversion: '1.0',
      id: 'trade-text-qty',
      source: 'dl-e2e',
      type: 'trade',
      subject: 'dl-w3',
      time: '2026-11-20T10:00:00Z',
      data: { qty: '12' },
    });
    const parked = (await listLetters()).find((letter) => letter.body.includes('trade-text-qty'));
    expect(parked).toMatchObject({ code: 'rule-failed' });

    // The fix: a qty sent as text is read as a number. A backtest of it shows the parked trade.
    const fixed = 'event_type == "trade" && int(data.qty) >= 10, 5 * int(data.qty)\n';
    const dir = await mkdtemp(path.join(tmpdir(), 'tally-dl-e2e-'));
    await writeFile(path.join(dir, 'fixed.rules'), fixed);
    const io = testIo({ cwd: dir });
    const code = await runCommand(
      'backtest',
      backtestCommand,
      ['fixed.rules', '--wallet', 'dl-w3', '--json', '--url', runtime.url],
      io,
    );
    await rm(dir, { recursive: true, force: true });
    expect(code, io.stderr()).toBe(0);
    const report = JSON.parse(io.stdout()) as {
      parked: { letterId: string; walletId: string; candidatePoints: number }[];
    };
    expect(report.parked).toEqual([
      expect.objectContaining({
        letterId: parked?.id,
        walletId: 'dl-w3',
        eventId: 'trade-text-qty',
        candidatePoints: 60,
      }),
    ]);
    // Parked, never stored: the wallet has no events yet, and the backtest appended nothing.
    expect((await fetch(`${runtime.url}/wallets/dl-w3`)).status).toBe(404);

    // Publish the fix, redrive the letter: it is recorded, and earns what the backtest said.
    const published = await fetch(`${runtime.url}/rules?source=fixed.rules`, { method: 'PUT', body: fixed });
    expect(published.status, await published.text()).toBe(201);
    // Ingest picks up a new active version within RULES_REFRESH_MS (the README's "within seconds").
    await new Promise((resolve) => setTimeout(resolve, RULES_REFRESH_MS + 500));
    const redrive = await fetch(`${runtime.url}/dead-letters/${parked?.id}/redrive?queue=events`, {
      method: 'POST',
    });
    expect(redrive.status).toBe(200);
    await runtime.whenIngested();
    expect(await points('dl-w3')).toBe(60);
    expect((await listLetters()).some((letter) => letter.body.includes('trade-text-qty'))).toBe(false);
  });
});
