import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../functions/local/runtime.ts';
import { startTestRuntime } from '../support/local.ts';

/** The admin token PUT /rules needs locally (TALLY_ADMIN_TOKEN). */
const TOKEN = 'e2e-admin-token';
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { TALLY_ADMIN_TOKEN: TOKEN } });
});

afterAll(async () => {
  await runtime?.stop();
  delete process.env.TALLY_ADMIN_TOKEN;
});

/** `token: null` sends no Authorization header. */
const putRules = (text: string, token: string | null = TOKEN) =>
  fetch(`${runtime.url}/rules?source=e2e.rules`, {
    method: 'PUT',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    body: text,
  });

async function like(walletId: string, id: string): Promise<void> {
  const response = await fetch(`${runtime.url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      specversion: '1.0',
      id,
      source: 'qa-app',
      type: 'answer_is_liked',
      subject: walletId,
    }),
  });
  expect(response.status).toBe(202);
  await runtime.whenIngested();
}

async function pointsOf(walletId: string): Promise<number> {
  const response = await fetch(`${runtime.url}/wallets/${walletId}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { points: number }).points;
}

describe('rules over HTTP, while running', () => {
  it('starts with the shipped rule set (version 0) and awards its seed rule', async () => {
    const rules = (await (await fetch(`${runtime.url}/rules`)).json()) as {
      version: number;
      builtIn: boolean;
    };
    expect(rules).toMatchObject({ version: 0, builtIn: true });
    await like('hot-reload', 'like-before');
    expect(await pointsOf('hot-reload')).toBe(250);
  });

  it('guards PUT /rules with the admin token: 401 without, 403 with another', async () => {
    expect((await putRules('event_type=="answer_is_liked", 1', null)).status).toBe(401);
    expect((await putRules('event_type=="answer_is_liked", 1', 'wrong')).status).toBe(403);
    const rules = (await (await fetch(`${runtime.url}/rules`)).json()) as { version: number };
    expect(rules.version).toBe(0);
  });

  it('refuses a rule set that does not compile with 422 and the line and column, and keeps the active one', async () => {
    const response = await putRules('# comment\nevent_type=="answer_is_liked" &&, 5\n');
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { errors: { line: number; column: number }[] };
    expect(problem.errors[0]).toMatchObject({ line: 2 });
    expect(((await (await fetch(`${runtime.url}/rules`)).json()) as { version: number }).version).toBe(0);
  });

  it('takes a newly published rule set within 5 s, with no restart, and explains awards by its version', async () => {
    const published = await putRules('event_type=="answer_is_liked", 300\n');
    expect(published.status).toBe(201);
    expect(((await published.json()) as { version: number }).version).toBe(1);

    // The running ingest function re-reads the active rule set at most every 2 s.
    const deadline = Date.now() + 5_000;
    let attempt = 0;
    let awarded = 0;
    while (Date.now() < deadline) {
      const before = await pointsOf('hot-reload');
      await like('hot-reload', `like-after-${attempt++}`);
      awarded = (await pointsOf('hot-reload')) - before;
      if (awarded === 300) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(awarded).toBe(300);

    const page = (await (await fetch(`${runtime.url}/wallets/hot-reload/points?limit=200`)).json()) as {
      awards: { points: number; ruleSetVersion: number }[];
    };
    expect(page.awards[0]).toMatchObject({ points: 250, ruleSetVersion: 0 });
    expect(page.awards.at(-1)).toMatchObject({ points: 300, ruleSetVersion: 1 });
  });
});
