import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../functions/cli/command.ts';
import { eventLine, eventsCommand, sseData } from '../../../functions/cli/events.ts';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function collect(source: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const item of source) all.push(item);
  return all;
}

const deposited = JSON.stringify({
  specversion: '1.0',
  id: 'ev-1',
  type: 'tally.wallet.deposited',
  source: 'tally/local',
  subject: 'w-1',
  time: '2026-12-06T04:30:00.000Z',
  data: { walletId: 'w-1', amount: 120.5 },
});

describe('tally events tail', () => {
  it('takes the data of each cloudevent frame, across chunk boundaries, skipping comments and other events', async () => {
    const stream = chunks(
      ': tally events from position 0\n\n',
      `id: 1\nevent: cloudevent\ndata: ${deposited.slice(0, 20)}`,
      `${deposited.slice(20)}\n\nid: 2\nevent: other\ndata: {}\n\n: keep-alive\n\n`,
      'id: 3\nevent: cloudevent\ndata: {"id":"ev-2","type":"t"}\n\n',
    );
    expect(await collect(sseData(stream))).toEqual([deposited, '{"id":"ev-2","type":"t"}']);
  });

  it('prints time, type, subject, the figures and the id on one line', () => {
    expect(eventLine(deposited)).toBe(
      '2026-12-06T04:30:00.000Z tally.wallet.deposited w-1 amount=120.5 id=ev-1',
    );
  });

  it('asks for the kept history with --from-start and sends the token; prints JSON as received with --json', async () => {
    const asked: { url: string; authorization: string | null }[] = [];
    const out: string[] = [];
    const fetchStub = (async (url: URL, init?: RequestInit) => {
      asked.push({ url: String(url), authorization: new Headers(init?.headers).get('authorization') });
      return new Response(`id: 1\nevent: cloudevent\ndata: ${deposited}\n\n`, {
        headers: { 'content-type': 'text/event-stream' },
      });
    }) as typeof fetch;
    const io = {
      out: (line: string) => out.push(line),
      err: () => undefined,
      env: {},
      cwd: '/',
      fetch: fetchStub,
    };
    const args = ['tail', '--json', '--from-start', '--url', 'http://127.0.0.1:9/', '--token', 't0k'];
    expect(await runCommand('events', eventsCommand, args, io)).toBe(0);
    expect(asked).toEqual([
      { url: 'http://127.0.0.1:9/events/stream?from-start=1', authorization: 'Bearer t0k' },
    ]);
    expect(out).toEqual([deposited]);
  });

  it('fails with the status when the stream is refused', async () => {
    const errors: string[] = [];
    const io = {
      out: () => undefined,
      err: (line: string) => errors.push(line),
      env: {},
      cwd: '/',
      fetch: (async () =>
        new Response('{"title":"Unauthorized"}', { status: 401 })) as unknown as typeof fetch,
    };
    expect(await runCommand('events', eventsCommand, ['tail'], io)).toBe(1);
    expect(errors.join('\n')).toContain('answered 401');
    expect(await runCommand('events', eventsCommand, ['follow'], io)).toBe(2);
  });
});
