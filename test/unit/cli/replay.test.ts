import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../functions/cli/command.ts';
import { POLL_INTERVAL_MS } from '../../../functions/cli/jobs.ts';
import { replayCommand } from '../../../functions/cli/replay.ts';
import {
  type FakeAnswer,
  fakeApiPerTest,
  fakeTerminal,
  jobReports,
  type RecordedRequest,
  testIo,
  unreachableUrl,
} from './fake-api.ts';

const replay = (argv: string[], io: ReturnType<typeof testIo>) =>
  runCommand('replay', replayCommand, argv, io);

const startApi = fakeApiPerTest();

const walletAnswer = {
  walletId: 'walletID001',
  dryRun: true,
  events: 12,
  changed: true,
  written: false,
  before: { balance: 80, points: 300, aboveThreshold: false, version: 11 },
  after: { balance: 120, points: 550, aboveThreshold: false, version: 12 },
};

/** A replay job that reports running three times (twice with the same progress), then done. */
function replayJobApi(): (request: RecordedRequest) => FakeAnswer {
  const report = jobReports(
    { jobId: 'job-1', kind: 'replay', params: { kind: 'replay', dryRun: true } },
    [
      { segmentsDone: 1, totals: { wallets: 300, events: 12000, changed: 1, written: 0 } },
      { segmentsDone: 1, totals: { wallets: 300, events: 12000, changed: 1, written: 0 } },
      { segmentsDone: 3, totals: { wallets: 900, events: 37000, changed: 2, written: 0 } },
    ],
    {
      totals: { wallets: 1200, events: 50000, changed: 3, written: 0 },
      changes: [
        {
          walletId: 'walletID007',
          events: 40,
          changed: true,
          written: false,
          before: { balance: 10, points: 0, aboveThreshold: false, version: 39 },
          after: { balance: 10, points: 250, aboveThreshold: false, version: 40 },
        },
        {
          walletId: 'walletID042',
          events: 3,
          changed: true,
          written: false,
          before: null,
          after: { balance: 5, points: 0, aboveThreshold: false, version: 3 },
        },
      ],
    },
  );
  return (request) => {
    if (request.method === 'POST' && request.path === '/replay') {
      return {
        status: 202,
        body: { jobId: 'job-1', kind: 'replay', status: 'running', href: '/replay/job-1' },
        headers: { location: '/replay/job-1' },
      };
    }
    if (request.method === 'GET' && request.path === '/replay/job-1') return { status: 200, body: report() };
    return { status: 404, body: { title: 'Not found', status: 404, detail: request.path } };
  };
}

describe('tally replay --wallet', () => {
  it('posts the wallet with the admin token from the environment and prints before and after', async () => {
    const api = await startApi(() => ({ status: 200, body: walletAnswer }));
    const io = testIo({ env: { TALLY_ADMIN_TOKEN: 's3cret' } });

    const code = await replay(['--wallet', 'walletID001', '--dry-run', '--url', api.url], io);

    expect(code).toBe(0);
    expect(api.requests).toEqual([
      {
        method: 'POST',
        path: '/replay',
        authorization: 'Bearer s3cret',
        contentType: 'application/json',
        body: { walletId: 'walletID001', dryRun: true },
      },
    ]);
    const lines = io.stdout().split('\n');
    expect(lines[0]).toBe(
      'Replay of wallet walletID001 (dry run): 12 events; the read model differs from the event log; dry run, nothing written.',
    );
    expect(lines).toContain('field           before  after');
    expect(lines).toContain('balance             80    120  changed');
    expect(lines).toContain('points             300    550  changed');
    expect(lines).toContain('aboveThreshold   false  false');
    expect(lines).toContain('version             11     12  changed');
    expect(io.stderr()).toBe('');
  });

  it('sends dryRun false without --dry-run, and --token wins over TALLY_ADMIN_TOKEN', async () => {
    const api = await startApi(() => ({
      status: 200,
      body: { ...walletAnswer, dryRun: false, written: true },
    }));
    const io = testIo({ env: { TALLY_ADMIN_TOKEN: 'from-env' } });

    const code = await replay(
      ['--wallet', 'walletID001', '--token', 'from-flag', '--url', `${api.url}/`],
      io,
    );

    expect(code).toBe(0);
    expect(api.requests[0]?.body).toEqual({ walletId: 'walletID001', dryRun: false });
    expect(api.requests[0]?.authorization).toBe('Bearer from-flag');
    expect(api.requests[0]?.path).toBe('/replay');
    expect(io.stdout()).toContain('the read model differed from the event log and was rewritten.');
  });

  it('uses TALLY_URL when there is no --url, and sends no Authorization without a token', async () => {
    const api = await startApi(() => ({ status: 200, body: { ...walletAnswer, before: null } }));
    const io = testIo({ env: { TALLY_URL: api.url } });

    expect(await replay(['--wallet', 'walletID001'], io)).toBe(0);

    expect(api.requests[0]?.authorization).toBeUndefined();
    expect(io.stdout()).toContain('balance         —         120  changed');
  });

  it('prints the answer as JSON with --json', async () => {
    const api = await startApi(() => ({ status: 200, body: walletAnswer }));
    const io = testIo();

    expect(await replay(['--wallet', 'walletID001', '--json', '--url', api.url], io)).toBe(0);

    expect(JSON.parse(io.stdout())).toEqual(walletAnswer);
  });
});

describe('tally replay (every wallet, as a job)', () => {
  it('starts the job, polls its href every 500 ms until done, prints one line per change and the summary', async () => {
    const api = await startApi(replayJobApi());
    const io = testIo({ env: { TALLY_ADMIN_TOKEN: 's3cret' } });

    const code = await replay(['--dry-run', '--url', api.url], io);

    expect(code).toBe(0);
    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /replay',
      'GET /replay/job-1',
      'GET /replay/job-1',
      'GET /replay/job-1',
      'GET /replay/job-1',
    ]);
    expect(api.requests[0]?.body).toEqual({ dryRun: true });
    expect(api.requests.every((request) => request.authorization === 'Bearer s3cret')).toBe(true);
    expect(io.sleeps).toEqual([POLL_INTERVAL_MS, POLL_INTERVAL_MS, POLL_INTERVAL_MS, POLL_INTERVAL_MS]);
    expect(POLL_INTERVAL_MS).toBe(500);
    // No bar without a terminal: one plain line per change of progress (the repeated report adds none).
    expect(io.stderr().split('\n')).toEqual([
      `replay job job-1 started; its report: GET ${api.url}/replay/job-1`,
      'replay job job-1: 1/4 segments, 300 wallets, 12000 events',
      'replay job job-1: 3/4 segments, 900 wallets, 37000 events',
      'replay job job-1: 4/4 segments, 1200 wallets, 50000 events',
      '',
    ]);
    const out = io.stdout();
    expect(out).toContain('Replay job job-1 done in 12.5 s (dry run: nothing written).');
    const lines = out.split('\n');
    expect(lines).toContain('wallets   1200');
    expect(lines).toContain('events   50000');
    expect(lines).toContain('changed      3');
    expect(lines).toContain('written      0');
    expect(out).toContain('First changes (2 of 3):');
    expect(lines).toContain('wallet       events  written  balance   points  aboveThreshold  version');
    expect(lines).toContain('walletID007      40  no            10  0 → 250  false           39 → 40');
    expect(lines).toContain('walletID042       3  no         — → 5    — → 0  — → false         — → 3');
  });

  it('follows the Location header when the answer has no href', async () => {
    const serve = replayJobApi();
    const api = await startApi((request) => {
      const answer = serve(request);
      if (request.method === 'POST') return { ...answer, body: { jobId: 'job-1', status: 'running' } };
      return answer;
    });
    const io = testIo();

    expect(await replay(['--url', api.url], io)).toBe(0);

    expect(api.requests[0]?.body).toEqual({ dryRun: false });
    expect(api.requests.slice(1).every((request) => request.path === '/replay/job-1')).toBe(true);
  });

  it('prints the final job report as JSON with --json', async () => {
    const api = await startApi(replayJobApi());
    const io = testIo();

    expect(await replay(['--json', '--url', api.url], io)).toBe(0);

    const report = JSON.parse(io.stdout());
    expect(report).toMatchObject({
      jobId: 'job-1',
      status: 'done',
      totals: { wallets: 1200, events: 50000, changed: 3, written: 0 },
    });
    expect(report.changes).toHaveLength(2);
  });

  it('draws a progress bar on a terminal instead of plain lines', async () => {
    const api = await startApi(replayJobApi());
    const terminal = fakeTerminal();
    const io = testIo({ progress: terminal });

    expect(await replay(['--url', api.url], io)).toBe(0);

    const drawn = terminal.text();
    expect(drawn).toContain('100% 4/4 segments, 1200 wallets, 50000 events');
    expect(drawn).toContain('100%');
    // Only the start line goes to the err writer: the progress is the bar's.
    expect(io.stderr()).toBe(`replay job job-1 started; its report: GET ${api.url}/replay/job-1\n`);
    expect(io.stdout()).toContain('Replay job job-1 done');
  });
});

describe('tally replay failures', () => {
  it('prints a problem+json answer as status, title and detail, exit 1', async () => {
    const api = await startApi(() => ({
      status: 403,
      headers: { 'content-type': 'application/problem+json' },
      body: {
        type: '/problems/forbidden',
        title: 'Forbidden',
        status: 403,
        detail: 'The admin token is not valid.',
      },
    }));
    const io = testIo({ env: { TALLY_ADMIN_TOKEN: 'wrong' } });

    expect(await replay(['--wallet', 'walletID001', '--url', api.url], io)).toBe(1);

    expect(io.stderr()).toBe('tally: 403 Forbidden: The admin token is not valid.\n');
    expect(io.stdout()).toBe('');
  });

  it('says where the job is when polling it fails', async () => {
    const serve = replayJobApi();
    const api = await startApi((request) =>
      request.method === 'GET'
        ? {
            status: 503,
            headers: { 'content-type': 'application/problem+json' },
            body: { title: 'Unavailable', status: 503, detail: 'Try again.' },
          }
        : serve(request),
    );
    const io = testIo();

    expect(await replay(['--url', api.url], io)).toBe(1);

    expect(io.stderr()).toContain('tally: 503 Unavailable: Try again.\n');
    expect(io.stderr()).toContain(
      `(job job-1 may still be running: GET ${api.url}/replay/job-1 to follow it)`,
    );
  });

  it('names the URL and suggests npm start when nothing answers, exit 1', async () => {
    const url = await unreachableUrl();
    const io = testIo();

    expect(await replay(['--wallet', 'walletID001', '--url', url], io)).toBe(1);

    expect(io.stderr()).toContain(`tally: cannot reach Tally at ${url} (ECONNREFUSED)`);
    expect(io.stderr()).toContain('npm start');
    expect(io.stdout()).toBe('');
  });

  it('reports an answer that is not a problem, and one that is not JSON', async () => {
    const answers: FakeAnswer[] = [
      { status: 502, headers: { 'content-type': 'text/plain' }, body: 'Bad gateway' },
      { status: 200, body: 'not json' },
    ];
    const api = await startApi(() => answers.shift() ?? { status: 500 });

    const first = testIo();
    expect(await replay(['--wallet', 'walletID001', '--url', api.url], first)).toBe(1);
    expect(first.stderr()).toBe(`tally: 502 Bad Gateway from POST ${api.url}/replay: Bad gateway\n`);

    const second = testIo();
    expect(await replay(['--wallet', 'walletID001', '--url', api.url], second)).toBe(1);
    expect(second.stderr()).toBe(`tally: POST ${api.url}/replay answered 200 with a body that is not JSON\n`);
  });

  it('is a usage error (exit 2) to pass an argument, an unknown flag or a bad --url, with no request', async () => {
    for (const argv of [['walletID001'], ['--force'], ['--url', 'localhost:8080']]) {
      const io = testIo();
      expect(await replay(argv, io)).toBe(2);
      expect(io.stderr()).toContain('Usage: tally replay [--wallet ID] [--dry-run] [--json]');
      expect(io.fetchCalls()).toBe(0);
    }
  });
});
