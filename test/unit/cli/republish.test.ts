import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, runCommand } from '../../../functions/cli/command.ts';
import { republishCommand } from '../../../functions/cli/republish.ts';
import { type FakeAnswer, fakeApiPerTest, jobReports, type RecordedRequest, testIo } from './fake-api.ts';

const republish = (argv: string[], io: ReturnType<typeof testIo>) =>
  runCommand('republish', republishCommand, argv, io);

const startApi = fakeApiPerTest();
const FROM = '2026-12-07T05:00:00Z';
const TO = '2026-12-07T05:20:00Z';

function republishJobApi(): (request: RecordedRequest) => FakeAnswer {
  const report = jobReports(
    {
      jobId: 'job-9',
      kind: 'republish',
      params: { from: '2026-12-07T05:00:00.000Z', to: '2026-12-07T05:20:00.000Z' },
    },
    [{ segmentsDone: 2, totals: { scanned: 4000, events: 30, published: 30, rejected: 0 } }],
    {
      totals: { scanned: 9000, events: 71, published: 70, rejected: 1 },
      changes: [
        {
          walletId: 'w7',
          lane: 0,
          version: 12,
          cloudEventId: 'e-1',
          code: 'EntryTooLarge',
          reason: 'too large',
        },
      ],
    },
  );
  return (request) => {
    if (request.method === 'POST' && request.path === '/republish') {
      return {
        status: 202,
        body: { jobId: 'job-9', kind: 'republish', status: 'running', href: '/republish/job-9' },
        headers: { location: '/republish/job-9' },
      };
    }
    if (request.method === 'GET' && request.path === '/republish/job-9')
      return { status: 200, body: report() };
    return { status: 404, body: { title: 'Not found', status: 404, detail: request.path } };
  };
}

describe('tally republish', () => {
  it('posts the window, follows the job until done, and prints its totals and the events no bus took', async () => {
    const api = await startApi(republishJobApi());
    const io = testIo({ env: { TALLY_ADMIN_TOKEN: 's3cret' } });

    expect(await republish(['--from', FROM, '--to', TO, '--url', api.url], io)).toBe(0);

    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /republish',
      'GET /republish/job-9',
      'GET /republish/job-9',
    ]);
    expect(api.requests[0]?.body).toEqual({ from: FROM, to: TO });
    expect(api.requests.every((request) => request.authorization === 'Bearer s3cret')).toBe(true);
    expect(io.stderr().split('\n')).toEqual([
      `republish job job-9 started; its report: GET ${api.url}/republish/job-9`,
      'republish job job-9: 2/4 segments, 4000 scanned, 30 events',
      'republish job job-9: 4/4 segments, 9000 scanned, 71 events',
      '',
    ]);
    const lines = io.stdout().split('\n');
    expect(lines[0]).toBe(
      'Re-publish job job-9 done in 12.5 s: events recorded in [2026-12-07T05:00:00.000Z, 2026-12-07T05:20:00.000Z).',
    );
    expect(io.stdout()).toMatch(/^scanned +9000$/m);
    expect(io.stdout()).toMatch(/^published +70$/m);
    expect(io.stdout()).toMatch(/^rejected +1$/m);
    expect(io.stdout()).toContain('Events no bus could take (1):');
    expect(io.stdout()).toContain('EntryTooLarge');
  });

  it('is a usage error without --from or --to, and sends nothing', async () => {
    const api = await startApi(republishJobApi());
    const io = testIo();
    expect(await republish(['--from', FROM, '--url', api.url], io)).toBe(EXIT_USAGE);
    expect(io.stderr()).toContain('--from and --to are both needed');
    expect(api.requests).toEqual([]);
  });
});
