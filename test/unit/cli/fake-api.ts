/**
 * A fake Tally API for the CLI tests (node:http on port 0) that records every request, and an Io
 * that collects what a command prints.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Io } from '../../../functions/cli/command.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeApi {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  // A rule file is PUT as text/plain: recorded as the text itself.
  return request.headers['content-type']?.startsWith('text/plain') ? text : JSON.parse(text);
}

/** Serves `answer(request)` for every request; a string body is sent as is, anything else as JSON. */
export async function startFakeApi(answer: (request: RecordedRequest) => FakeAnswer): Promise<FakeApi> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    readBody(request).then(
      (body) => {
        const recorded: RecordedRequest = {
          method: request.method ?? '',
          path: request.url ?? '',
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
          body,
        };
        requests.push(recorded);
        const { status, body: payload, headers } = answer(recorded);
        const text =
          typeof payload === 'string' ? payload : payload === undefined ? '' : JSON.stringify(payload);
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(text);
      },
      (error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/**
 * For a test file: starts fake APIs, and closes every one a test started when that test ends (so a
 * failed assertion never leaves a server holding the process open).
 */
export function fakeApiPerTest(): (answer: (request: RecordedRequest) => FakeAnswer) => Promise<FakeApi> {
  const open: FakeApi[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((api) => api.close()));
  });
  return async (answer) => {
    const api = await startFakeApi(answer);
    open.push(api);
    return api;
  };
}

/**
 * For a test file: a temporary directory made before its tests, holding `files` (relative path →
 * text), removed after them. `path` is set once the directory exists.
 */
export function fixtureDir(prefix: string, files: Record<string, string> = {}): { readonly path: string } {
  const fixture = { path: '' };
  beforeAll(async () => {
    fixture.path = await mkdtemp(path.join(tmpdir(), prefix));
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(fixture.path, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    }
  });
  afterAll(async () => {
    await rm(fixture.path, { recursive: true, force: true });
  });
  return fixture;
}

/** A URL nothing listens on: a port that was just free. */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface TestIo extends Io {
  stdout: () => string;
  stderr: () => string;
  /** The waits asked for between polls (the test's sleep does not wait). */
  sleeps: number[];
  fetchCalls: () => number;
}

export function testIo(
  options: { env?: NodeJS.ProcessEnv; cwd?: string; progress?: Io['progress'] } = {},
): TestIo {
  const out: string[] = [];
  const err: string[] = [];
  const sleeps: number[] = [];
  let fetchCalls = 0;
  const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  return {
    out: (text) => out.push(line(text)),
    err: (text) => err.push(line(text)),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    fetch: (input, init) => {
      fetchCalls++;
      return fetch(input, init);
    },
    ...(options.progress ? { progress: options.progress } : {}),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    sleeps,
    fetchCalls: () => fetchCalls,
  };
}

/** A writable that says it is a terminal, to see the progress bar drawn. */
export function fakeTerminal(): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  }) as Writable & { isTTY: boolean; columns: number; text: () => string };
  stream.isTTY = true;
  stream.columns = 200;
  stream.text = () => chunks.join('');
  return stream;
}

/** Job reports that say running for the given progress steps, then done. */
export function jobReports(
  base: { jobId: string; kind: 'replay' | 'backtest' | 'republish'; params: Record<string, unknown> },
  steps: { segmentsDone: number; totals: Record<string, unknown> }[],
  final: { totals: Record<string, unknown>; changes: Record<string, unknown>[] },
  segments = 4,
): () => Record<string, unknown> {
  let polls = 0;
  return () => {
    const step = steps[polls];
    polls++;
    const running = step !== undefined;
    return {
      jobId: base.jobId,
      kind: base.kind,
      status: running ? 'running' : 'done',
      createdAt: '2026-11-22T10:00:00.000Z',
      finishedAt: running ? null : '2026-11-22T10:00:12.500Z',
      params: base.params,
      progress: {
        segments,
        segmentsDone: running ? step.segmentsDone : segments,
        fraction: (running ? step.segmentsDone : segments) / segments,
      },
      totals: running ? step.totals : final.totals,
      changes: running ? [] : final.changes,
    };
  };
}
