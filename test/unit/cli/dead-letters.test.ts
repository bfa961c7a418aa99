import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../functions/cli/command.ts';
import { deadLettersCommand } from '../../../functions/cli/dead-letters.ts';
import { fakeApiPerTest, testIo } from './fake-api.ts';

const deadLetters = (argv: string[], io: ReturnType<typeof testIo>) =>
  runCommand('dlq', deadLettersCommand, argv, io);

const serve = fakeApiPerTest();

const letter = {
  id: 'm-1',
  queue: 'events',
  code: 'rule-failed',
  reason: 'rule trade-volume (line 9, rule set version 1): no such key: qty',
  receiveCount: 1,
  parkedAt: '2026-12-06T07:00:00.000Z',
  attributes: { origin: 'sqs' },
  body: '{"specversion":"1.0","id":"t-1","source":"app","type":"trade","subject":"w1"}',
};

describe('tally dlq', () => {
  it('lists parked messages with their code and reason, through GET /dead-letters', async () => {
    const api = await serve(() => ({ status: 200, body: { letters: [letter] } }));
    const io = testIo({ env: { TALLY_ADMIN_TOKEN: 's3cret' } });
    expect(await deadLetters(['list', '--queue', 'events', '--url', api.url], io)).toBe(0);
    expect(api.requests.map((request) => [request.method, request.path, request.authorization])).toEqual([
      ['GET', '/dead-letters?queue=events', 'Bearer s3cret'],
    ]);
    expect(io.stdout()).toMatch(/m-1\s+events\s+rule-failed\s+rule trade-volume/);
  });

  it('says so when nothing is parked', async () => {
    const api = await serve(() => ({ status: 200, body: { letters: [] } }));
    const io = testIo();
    expect(await deadLetters(['list', '--url', api.url], io)).toBe(0);
    expect(io.stdout()).toContain('No dead letters');
  });

  it('shows one letter whole, its reason and its body, through GET /dead-letters/{id}', async () => {
    const api = await serve(() => ({ status: 200, body: letter }));
    const io = testIo();
    expect(await deadLetters(['show', 'm-1', '--queue', 'events', '--url', api.url], io)).toBe(0);
    expect(api.requests.map((request) => [request.method, request.path])).toEqual([
      ['GET', '/dead-letters/m-1?queue=events'],
    ]);
    expect(io.stdout()).toMatch(/code:\s+rule-failed/);
    expect(io.stdout()).toMatch(/reason:\s+rule trade-volume \(line 9/);
    // The body whole, pretty: not the list's excerpt.
    expect(io.stdout()).toContain('"subject": "w1"');
    expect(await deadLetters(['show', '--url', api.url], testIo())).toBe(2);
    expect(api.requests).toHaveLength(1);
  });

  it('redrives one by id, or all with --all, and refuses a redrive with neither', async () => {
    const api = await serve(() => ({ status: 200, body: { redriven: [{ queue: 'events', id: 'm-1' }] } }));
    const io = testIo();
    expect(await deadLetters(['redrive', 'm-1', '--url', api.url], io)).toBe(0);
    expect(await deadLetters(['redrive', '--all', '--queue', 'jobs', '--url', api.url], io)).toBe(0);
    expect(api.requests.map((request) => [request.method, request.path])).toEqual([
      ['POST', '/dead-letters/m-1/redrive'],
      ['POST', '/dead-letters/redrive?queue=jobs'],
    ]);
    expect(io.stdout()).toContain('Redriven 1 message(s)');
    expect(await deadLetters(['redrive', '--url', api.url], testIo())).toBe(2);
    expect(api.requests).toHaveLength(2);
  });
});
