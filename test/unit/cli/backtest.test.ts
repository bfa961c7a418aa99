import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../functions/adapters/dynamodb/event-hash.ts';
import { backtestCommand } from '../../../functions/cli/backtest.ts';
import { runCommand } from '../../../functions/cli/command.ts';
import { POLL_INTERVAL_MS } from '../../../functions/cli/jobs.ts';
import {
  type FakeAnswer,
  fakeApiPerTest,
  fakeTerminal,
  fixtureDir,
  jobReports,
  type RecordedRequest,
  testIo,
  unreachableUrl,
} from './fake-api.ts';

const CANDIDATE = 'event_type=="answer_is_liked", 300\n';
const BROKEN = 'event_type=="answer_is_liked" &&, 300\n';

const fixture = fixtureDir('tally-cli-backtest-', {
  'candidate.rules': CANDIDATE,
  'broken.rules': BROKEN,
  'ruleset/tally.rules.yaml': CANDIDATE,
});
const serve = fakeApiPerTest();

/** The look at the events DLQ every backtest makes after its stored-fact run. */
const PARKED_LOOK = '/dead-letters?queue=events&limit=500';

const backtest = (argv: string[], io: ReturnType<typeof testIo>) =>
  runCommand('backtest', backtestCommand, argv, io);

const syncAnswer = {
  dryRun: true,
  ruleSet: { textHash: 'ab12cd34ef56ab12cd34ef56', version: null },
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  wallets: [
    {
      walletId: 'walletID001',
      facts: 10,
      awardedPoints: 2500,
      candidatePoints: 3000,
      difference: 500,
      adjustmentsAppended: 0,
    },
    {
      walletId: 'walletID002',
      facts: 4,
      awardedPoints: 0,
      candidatePoints: 0,
      difference: 0,
      adjustmentsAppended: 0,
    },
  ],
  totals: {
    wallets: 2,
    facts: 14,
    walletsWithDifference: 1,
    awardedPoints: 2500,
    candidatePoints: 3000,
    difference: 500,
    adjustmentsAppended: 0,
  },
};

function backtestJobApi(): (request: RecordedRequest) => FakeAnswer {
  const report = jobReports(
    { jobId: 'bt-9', kind: 'backtest', params: { kind: 'backtest', apply: false } },
    [
      { segmentsDone: 0, totals: { wallets: 0, facts: 0 } },
      { segmentsDone: 2, totals: { wallets: 40, facts: 700 } },
    ],
    {
      totals: {
        wallets: 80,
        facts: 1500,
        walletsWithDifference: 3,
        awardedPoints: 90000,
        candidatePoints: 88800,
        difference: -1200,
        adjustmentsAppended: 0,
      },
      changes: [
        {
          walletId: 'walletID017',
          facts: 30,
          awardedPoints: 5000,
          candidatePoints: 3800,
          difference: -1200,
          adjustmentsAppended: 0,
        },
      ],
    },
    2,
  );
  return (request) => {
    if (request.method === 'POST' && request.path === '/rules/backtest') {
      return {
        status: 202,
        body: { jobId: 'bt-9', kind: 'backtest', status: 'running', href: '/rules/backtest/bt-9' },
        headers: { location: '/rules/backtest/bt-9' },
      };
    }
    if (request.method === 'GET' && request.path === '/rules/backtest/bt-9')
      return { status: 200, body: report() };
    if (request.method === 'GET' && request.path === PARKED_LOOK)
      return { status: 200, body: { letters: [] } };
    return { status: 404, body: { title: 'Not found', status: 404, detail: request.path } };
  };
}

describe('tally backtest for named wallets', () => {
  it('compiles the file, posts its text with the wallets and period, and prints the per-wallet table', async () => {
    const api = await serve(() => ({ status: 200, body: syncAnswer }));
    const io = testIo({ cwd: fixture.path, env: { TALLY_ADMIN_TOKEN: 's3cret' } });

    const code = await backtest(
      [
        'candidate.rules',
        '--wallet',
        'walletID001',
        '-w',
        'walletID002',
        '--from',
        '2026-11-01T00:00:00Z',
        '--to',
        '2026-12-01',
        '--url',
        api.url,
      ],
      io,
    );

    expect(code).toBe(0);
    expect(api.requests).toEqual([
      {
        method: 'POST',
        path: '/rules/backtest',
        authorization: 'Bearer s3cret',
        contentType: 'application/json',
        body: {
          rules: CANDIDATE,
          walletIds: ['walletID001', 'walletID002'],
          from: '2026-11-01T00:00:00.000Z',
          to: '2026-12-01T00:00:00.000Z',
        },
      },
      {
        method: 'GET',
        path: PARKED_LOOK,
        authorization: 'Bearer s3cret',
        contentType: undefined,
        body: undefined,
      },
    ]);
    const lines = io.stdout().split('\n');
    expect(lines[0]).toBe(
      'Backtest of candidate.rules (unpublished text ab12cd34ef56) over facts from 2026-11-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z: dry run, nothing appended.',
    );
    expect(lines).toContain('wallet       facts  awarded  candidate  difference');
    expect(lines).toContain('walletID001     10     2500       3000        +500');
    expect(lines).toContain('walletID002      4        0          0           0');
    expect(lines).toContain('total           14     2500       3000        +500');
    expect(lines).toContain('wallets with a difference        1');
    expect(lines).toContain('difference                    +500');
    expect(io.stderr()).toBe('');
  });

  /** `POST /rules/backtest`'s answer when version 3 was applied to walletID001's line as given. */
  const appliedAnswer = (line: { adjustmentsAppended: number; applyRefused?: string }) => ({
    ...syncAnswer,
    dryRun: false,
    from: null,
    to: null,
    ruleSet: { textHash: 'ffff', version: 3 },
    wallets: [{ ...syncAnswer.wallets[0], ...line }],
    totals: { ...syncAnswer.totals, wallets: 1, adjustmentsAppended: line.adjustmentsAppended },
  });

  it('with --apply --version N checks the version is the file, posts the version, its hash and apply, and shows the adjustments', async () => {
    const api = await serve((request) =>
      request.method === 'GET'
        ? { status: 200, body: { version: 3, textHash: sha256Hex(CANDIDATE), text: CANDIDATE } }
        : { status: 200, body: appliedAnswer({ adjustmentsAppended: 1 }) },
    );
    const io = testIo({ cwd: fixture.path });

    const code = await backtest(
      [
        'candidate.rules',
        '--apply',
        '--version',
        '3',
        '--wallet',
        'walletID001',
        '--token',
        't0k',
        '--url',
        api.url,
      ],
      io,
    );

    expect(code).toBe(0);
    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /rules/versions/3',
      'POST /rules/backtest',
      `GET ${PARKED_LOOK}`,
    ]);
    expect(api.requests[1]?.body).toEqual({
      ruleSetVersion: 3,
      textHash: sha256Hex(CANDIDATE),
      apply: true,
      walletIds: ['walletID001'],
    });
    expect(api.requests.map((request) => request.authorization)).toEqual([
      'Bearer t0k',
      'Bearer t0k',
      'Bearer t0k',
    ]);
    const lines = io.stdout().split('\n');
    expect(lines[0]).toBe(
      'Backtest of candidate.rules (version 3) over all stored facts: adjustments appended.',
    );
    expect(lines).toContain('wallet       facts  awarded  candidate  difference  adjustments');
    expect(lines).toContain('walletID001     10     2500       3000        +500            1');
    expect(lines.some((line) => line.startsWith('Not applied to'))).toBe(false);
    expect(io.stderr()).toBe('');
  });

  it('with --apply names each wallet whose adjustments the floor refused, with the reason', async () => {
    const refusal = 'correction_below_floor: would take back 720 points; 50 are available';
    const api = await serve((request) =>
      request.method === 'GET' && request.path === '/rules/versions/3'
        ? { status: 200, body: { version: 3, textHash: sha256Hex(CANDIDATE), text: CANDIDATE } }
        : request.method === 'GET'
          ? { status: 200, body: { letters: [] } }
          : { status: 200, body: appliedAnswer({ adjustmentsAppended: 0, applyRefused: refusal }) },
    );
    const io = testIo({ cwd: fixture.path });
    const args = ['candidate.rules', '--apply', '--version', '3', '--token', 't0k', '--url', api.url];
    expect(await backtest(args, io)).toBe(0);
    expect(io.stdout().split('\n')).toContain(`Not applied to walletID001: ${refusal}`);
  });

  it('refuses --apply --version N when version N is not the file’s text: exit 2, nothing applied', async () => {
    const api = await serve((request) =>
      request.method === 'GET'
        ? { status: 200, body: { version: 1, textHash: sha256Hex('event_type=="x", 1\n'), text: 'x' } }
        : { status: 200, body: syncAnswer },
    );
    const io = testIo({ cwd: fixture.path });

    const code = await backtest(['candidate.rules', '--apply', '--version', '1', '--url', api.url], io);

    expect(code).toBe(2);
    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /rules/versions/1',
    ]);
    expect(io.stderr()).toMatch(
      /^tally backtest: version 1 is not the text of candidate\.rules .*nothing applied\./,
    );
    expect(io.stdout()).toBe('');
  });

  it('takes a directory for its tally.rules.yaml and prints the answer as JSON with --json', async () => {
    const api = await serve(() => ({ status: 200, body: syncAnswer }));
    const io = testIo({ cwd: fixture.path });

    expect(await backtest(['ruleset', '--wallet', 'walletID001', '--json', '--url', api.url], io)).toBe(0);

    expect(api.requests[0]?.body).toEqual({ rules: CANDIDATE, walletIds: ['walletID001'] });
    expect(JSON.parse(io.stdout())).toEqual(syncAnswer);
  });
});

describe('tally backtest for every wallet (a job)', () => {
  it('polls the job at its href until done and prints the totals and the wallets that differ', async () => {
    const api = await serve(backtestJobApi());
    const io = testIo({ cwd: fixture.path });

    expect(await backtest(['candidate.rules', '--url', api.url], io)).toBe(0);

    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /rules/backtest',
      'GET /rules/backtest/bt-9',
      'GET /rules/backtest/bt-9',
      'GET /rules/backtest/bt-9',
      `GET ${PARKED_LOOK}`,
    ]);
    expect(api.requests[0]?.body).toEqual({ rules: CANDIDATE });
    expect(io.sleeps).toEqual([POLL_INTERVAL_MS, POLL_INTERVAL_MS, POLL_INTERVAL_MS]);
    expect(io.stderr().split('\n')).toEqual([
      `backtest job bt-9 started; its report: GET ${api.url}/rules/backtest/bt-9`,
      'backtest job bt-9: 0/2 segments, 0 wallets, 0 facts',
      'backtest job bt-9: 2/2 segments, 40 wallets, 700 facts',
      'backtest job bt-9: 2/2 segments, 80 wallets, 1500 facts',
      '',
    ]);
    const lines = io.stdout().split('\n');
    expect(lines[0]).toBe(
      'Backtest job bt-9 of candidate.rules done in 12.5 s over all stored facts: dry run, nothing appended.',
    );
    expect(lines).toContain('wallets                         80');
    expect(lines).toContain('points awarded               90000');
    expect(lines).toContain('points the candidate awards  88800');
    expect(lines).toContain('difference                   -1200');
    expect(lines).toContain('Wallets with a difference (first 1 of 3):');
    expect(lines).toContain('walletID017     30     5000       3800       -1200');
  });

  it('draws a bar with wallets and facts on a terminal', async () => {
    const api = await serve(backtestJobApi());
    const terminal = fakeTerminal();
    const io = testIo({ cwd: fixture.path, progress: terminal });

    expect(await backtest(['candidate.rules', '--url', api.url], io)).toBe(0);

    expect(terminal.text()).toContain('100% 2/2 segments, 80 wallets, 1500 facts');
    expect(io.stderr()).toBe(`backtest job bt-9 started; its report: GET ${api.url}/rules/backtest/bt-9\n`);
  });

  it('prints the final report as JSON with --json', async () => {
    const api = await serve(backtestJobApi());
    const io = testIo({ cwd: fixture.path });

    expect(await backtest(['candidate.rules', '--json', '--url', api.url], io)).toBe(0);

    expect(JSON.parse(io.stdout())).toMatchObject({
      jobId: 'bt-9',
      kind: 'backtest',
      status: 'done',
      totals: { walletsWithDifference: 3, difference: -1200 },
      changes: [{ walletId: 'walletID017' }],
    });
  });
});

describe('tally backtest failures', () => {
  it('is a usage error (exit 2) to --apply without --version, with no request', async () => {
    const api = await serve(() => ({ status: 200, body: syncAnswer }));
    const io = testIo({ cwd: fixture.path });

    expect(await backtest(['candidate.rules', '--apply', '--url', api.url], io)).toBe(2);

    expect(io.stderr()).toContain('tally backtest: --apply needs --version N');
    expect(io.stderr()).toContain('Usage: tally backtest <file|dir>');
    expect(api.requests).toEqual([]);
    expect(io.fetchCalls()).toBe(0);
  });

  it('is a usage error to give no file, two files, --version without --apply, a bad version or time', async () => {
    const cases: [string[], string][] = [
      [[], 'backtest takes one rule file'],
      [['candidate.rules', 'broken.rules'], 'backtest takes one rule file'],
      [['candidate.rules', '--version', '2'], '--version goes with --apply'],
      [['candidate.rules', '--apply', '--version', 'two'], '--version must be a published rule-set version'],
      [['candidate.rules', '--apply', '--version', '0'], '--version must be a published rule-set version'],
      [['candidate.rules', '--from', 'yesterday'], '--from must be an ISO 8601 time'],
      [['candidate.rules', '--from', '2026-12-01', '--to', '2026-11-01'], '--from must be before --to'],
    ];
    for (const [argv, message] of cases) {
      const io = testIo({ cwd: fixture.path });
      expect(await backtest(argv, io), argv.join(' ')).toBe(2);
      expect(io.stderr()).toContain(message);
      expect(io.fetchCalls()).toBe(0);
    }
  });

  it('prints the compile errors of a file that does not compile (exit 1) and sends nothing', async () => {
    const api = await serve(() => ({ status: 200, body: syncAnswer }));
    const io = testIo({ cwd: fixture.path });

    expect(await backtest(['broken.rules', '--wallet', 'walletID001', '--url', api.url], io)).toBe(1);

    expect(io.stderr()).toMatch(/^broken\.rules:1:\d+: condition: .+\n$/);
    expect(io.stdout()).toBe('');
    expect(api.requests).toEqual([]);
    expect(io.fetchCalls()).toBe(0);
  });

  it('says so when the file does not exist (exit 1), with no request', async () => {
    const io = testIo({ cwd: fixture.path });

    expect(await backtest(['missing.rules'], io)).toBe(1);

    expect(io.stderr()).toBe('tally: missing.rules: no such file\n');
    expect(io.fetchCalls()).toBe(0);
  });

  it('prints a problem+json answer with its per-line errors, exit 1', async () => {
    const api = await serve(() => ({
      status: 422,
      headers: { 'content-type': 'application/problem+json' },
      body: {
        type: '/problems/unknown-rule-set-version',
        title: 'Unprocessable',
        status: 422,
        detail: 'Rule-set version 7 is not published.',
        errors: [{ line: 2, column: 5, message: 'nope' }],
      },
    }));
    const io = testIo({ cwd: fixture.path });

    expect(await backtest(['candidate.rules', '--apply', '--version', '7', '--url', api.url], io)).toBe(1);

    expect(io.stderr()).toBe(
      'tally: 422 Unprocessable: Rule-set version 7 is not published.\n  candidate.rules:2:5: nope\n',
    );
    expect(io.stdout()).toBe('');
  });

  it('names the URL and suggests npm start when nothing answers, exit 1', async () => {
    const url = await unreachableUrl();
    const io = testIo({ cwd: fixture.path, env: { TALLY_URL: url } });

    expect(await backtest(['candidate.rules'], io)).toBe(1);

    expect(io.stderr()).toContain(`tally: cannot reach Tally at ${url} (ECONNREFUSED)`);
    expect(io.stderr()).toContain('Start it with `npm start`');
  });
});
