import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobMessage, SqsJobQueue } from '#adapters/sqs/jobs-queue.ts';
import { jobQueueFromEnv } from '#composition/job-queue.ts';
import { ENV } from '#lib/wiring.ts';
import type { JobMessage } from '#ports/jobs.ts';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/tally-jobs';
const noSleep = { attemptsMax: 3, backoffBaseMs: 1, sleep: async () => {} };

const page = (index: number, overrides: Partial<JobMessage> = {}): JobMessage => ({
  jobId: 'job-1',
  segment: index % 4,
  page: index,
  cursor: index === 0 ? null : JSON.stringify({ pk: { S: `WALLET#w-${index}` }, sk: { S: 'VIEW#WALLET' } }),
  ...overrides,
});

type Entries = { Id: string; MessageBody: string }[];

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

function acceptAll(): void {
  sqs.on(SendMessageBatchCommand).callsFake(async (input: { Entries: Entries }) => ({
    Successful: input.Entries.map((entry) => ({
      Id: entry.Id,
      MessageId: `m-${entry.Id}`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));
}

const sentInputs = () => sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);

describe('SqsJobQueue.send', () => {
  it('sends one JSON body per page, in SendMessageBatch calls of at most 10, to the queue', async () => {
    acceptAll();
    const pages = Array.from({ length: 23 }, (_, index) => page(index));
    await new SqsJobQueue(new SQSClient({}), QUEUE_URL, noSleep).send(pages);

    const inputs = sentInputs();
    expect(inputs.map((input) => input.Entries?.length)).toEqual([10, 10, 3]);
    expect(inputs.every((input) => input.QueueUrl === QUEUE_URL)).toBe(true);
    const entries = inputs.flatMap((input) => input.Entries ?? []);
    // Bodies are exactly the pages, in order; a standard queue takes no FIFO fields.
    expect(entries.map((entry) => JSON.parse(entry.MessageBody ?? ''))).toEqual(pages);
    expect(entries[0]).toEqual({
      Id: 'e0',
      MessageBody: '{"jobId":"job-1","segment":0,"page":0,"cursor":null}',
    });
    for (const entry of entries) {
      expect(entry.MessageGroupId).toBeUndefined();
      expect(entry.MessageDeduplicationId).toBeUndefined();
    }
  });

  it("keeps the job's kind and segments in the body (the runner starts the page's reads from them)", async () => {
    acceptAll();
    const hinted = page(5, { kind: 'replay', segments: 8 });
    await new SqsJobQueue(new SQSClient({}), QUEUE_URL, noSleep).send([hinted]);
    const body = sentInputs()[0]?.Entries?.[0]?.MessageBody ?? '';
    expect(JSON.parse(body)).toEqual(hinted);
    expect(parseJobMessage(body)).toEqual(hinted);
  });

  it('puts only the JobMessage fields in the body, and what it sends parses back', async () => {
    acceptAll();
    const withExtra = { ...page(3), secret: 'not for the queue' } as JobMessage;
    await new SqsJobQueue(new SQSClient({}), QUEUE_URL, noSleep).send([withExtra]);
    const body = sentInputs()[0]?.Entries?.[0]?.MessageBody ?? '';
    expect(body).not.toContain('secret');
    expect(parseJobMessage(body)).toEqual(page(3));
  });

  it('makes no call for no pages', async () => {
    acceptAll();
    await new SqsJobQueue(new SQSClient({}), QUEUE_URL, noSleep).send([]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('retries the entries SQS failed and resolves once they are sent', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: 'e0', MessageId: 'm0', MD5OfMessageBody: '' }],
        Failed: [{ Id: 'e1', Code: 'InternalError', SenderFault: false }],
      })
      .resolves({ Successful: [{ Id: 'e1', MessageId: 'm1', MD5OfMessageBody: '' }], Failed: [] });
    await new SqsJobQueue(new SQSClient({}), QUEUE_URL, noSleep).send([page(0), page(1)]);
    expect(sentInputs().map((input) => input.Entries?.map((entry) => entry.Id))).toEqual([
      ['e0', 'e1'],
      ['e1'],
    ]);
    expect(JSON.parse(sentInputs()[1]?.Entries?.[0]?.MessageBody ?? '')).toEqual(page(1));
  });

  it('throws, naming the pages, when some are still not sent after the bounded retries', async () => {
    sqs.on(SendMessageBatchCommand).callsFake(async (input: { Entries: Entries }) => ({
      Successful: input.Entries.filter((entry) => entry.Id !== 'e1').map((entry) => ({
        Id: entry.Id,
        MessageId: `m-${entry.Id}`,
        MD5OfMessageBody: '',
      })),
      Failed: input.Entries.filter((entry) => entry.Id === 'e1').map((entry) => ({
        Id: entry.Id,
        Code: 'ServiceUnavailable',
        SenderFault: false,
      })),
    }));
    await expect(
      new SqsJobQueue(new SQSClient({}), QUEUE_URL, noSleep).send([page(0), page(1), page(2)]),
    ).rejects.toThrow('jobs queue: 1 of 3 page(s) not sent: job job-1 segment 1 page 1 (ServiceUnavailable)');
    // Three attempts in all (noSleep.attemptsMax); the retries carry only the failed entry.
    expect(sentInputs().map((input) => input.Entries?.length)).toEqual([3, 1, 1]);
  });

  it('does not retry an entry SQS blames on the sender, and throws when a whole call keeps failing', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: 'e0', Code: 'InvalidMessageContents', SenderFault: true }],
    });
    await expect(new SqsJobQueue(new SQSClient({}), QUEUE_URL, noSleep).send([page(0)])).rejects.toThrow(
      /1 of 1 page\(s\) not sent: job job-1 segment 0 page 0 \(InvalidMessageContents\)/,
    );
    expect(sentInputs()).toHaveLength(1);

    sqs.reset();
    sqs
      .on(SendMessageBatchCommand)
      .rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    await expect(
      new SqsJobQueue(new SQSClient({}), QUEUE_URL, noSleep).send([page(0), page(1)]),
    ).rejects.toThrow(/2 of 2 page\(s\) not sent: .*\(TimeoutError\)/);
    expect(sentInputs()).toHaveLength(3);
  });

  it('refuses to queue an invalid page, before sending anything', async () => {
    acceptAll();
    const queue = new SqsJobQueue(new SQSClient({}), QUEUE_URL, noSleep);
    await expect(queue.send([page(0), page(1, { page: -1 })])).rejects.toThrow(
      /refusing to queue an invalid job page.*page: /,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('refuses a FIFO queue URL: the jobs queue is a standard queue', () => {
    expect(() => new SqsJobQueue(new SQSClient({}), `${QUEUE_URL}.fifo`)).toThrow(/standard queue/);
  });
});

describe('parseJobMessage', () => {
  it('reads a page with or without a cursor', () => {
    expect(parseJobMessage('{"jobId":"j","segment":0,"page":0,"cursor":null}')).toEqual({
      jobId: 'j',
      segment: 0,
      page: 0,
      cursor: null,
    });
    expect(
      parseJobMessage('{"jobId":"j","segment":3,"page":12,"cursor":"{\\"pk\\":{\\"S\\":\\"x\\"}}"}'),
    ).toEqual({
      jobId: 'j',
      segment: 3,
      page: 12,
      cursor: '{"pk":{"S":"x"}}',
    });
  });

  it("reads the job's kind and segments when the page carries them, and a kind it does not know as text", () => {
    expect(
      parseJobMessage('{"jobId":"j","segment":1,"page":0,"cursor":null,"kind":"backtest","segments":8}'),
    ).toEqual({ jobId: 'j', segment: 1, page: 0, cursor: null, kind: 'backtest', segments: 8 });
    expect(parseJobMessage('{"jobId":"j","segment":1,"page":0,"cursor":null,"kind":"later-kind"}')).toEqual({
      jobId: 'j',
      segment: 1,
      page: 0,
      cursor: null,
      kind: 'later-kind',
    });
  });

  it('drops fields it does not know (a page from a newer runner is still taken up)', () => {
    expect(parseJobMessage('{"jobId":"j","segment":1,"page":2,"cursor":null,"hint":1}')).toEqual({
      jobId: 'j',
      segment: 1,
      page: 2,
      cursor: null,
    });
  });

  it('throws a clear Error on a body that is not JSON', () => {
    expect(() => parseJobMessage('{"jobId":')).toThrow(/^jobs-queue message is not JSON: /);
    expect(() => parseJobMessage('')).toThrow(Error);
  });

  it.each([
    ['not an object', '[1,2]', /message: /],
    ['no jobId', '{"segment":0,"page":0,"cursor":null}', /jobId: /],
    ['an empty jobId', '{"jobId":"","segment":0,"page":0,"cursor":null}', /jobId: /],
    ['a negative segment', '{"jobId":"j","segment":-1,"page":0,"cursor":null}', /segment: /],
    ['a fractional page', '{"jobId":"j","segment":0,"page":1.5,"cursor":null}', /page: /],
    ['a page as text', '{"jobId":"j","segment":0,"page":"1","cursor":null}', /page: /],
    ['no cursor', '{"jobId":"j","segment":0,"page":0}', /cursor: /],
    ['an object cursor', '{"jobId":"j","segment":0,"page":0,"cursor":{"pk":"x"}}', /cursor: /],
    ['no segments', '{"jobId":"j","segment":0,"page":0,"cursor":null,"segments":0}', /segments: /],
    ['a kind that is not text', '{"jobId":"j","segment":0,"page":0,"cursor":null,"kind":1}', /kind: /],
  ])('throws, naming the field, for %s', (_label, body, field) => {
    let thrown: unknown;
    try {
      parseJobMessage(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(/^jobs-queue message is not a job page: /);
    expect((thrown as Error).message).toMatch(field);
  });
});

describe('jobQueueFromEnv', () => {
  const saved = { url: process.env[ENV.jobsQueueUrl], endpoint: process.env[ENV.sqsEndpoint] };
  afterEach(() => {
    for (const [name, value] of [
      [ENV.jobsQueueUrl, saved.url],
      [ENV.sqsEndpoint, saved.endpoint],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('throws when ENV.jobsQueueUrl is not set', () => {
    delete process.env[ENV.jobsQueueUrl];
    expect(() => jobQueueFromEnv()).toThrow(`${ENV.jobsQueueUrl} is not set`);
  });

  it('is one queue per process, sending to ENV.jobsQueueUrl; a new URL gets a new one', async () => {
    acceptAll();
    process.env[ENV.sqsEndpoint] = 'http://127.0.0.1:9324';
    process.env[ENV.jobsQueueUrl] = QUEUE_URL;
    const queue = jobQueueFromEnv();
    expect(jobQueueFromEnv()).toBe(queue);
    await queue.send([page(0)]);
    expect(sentInputs()[0]?.QueueUrl).toBe(QUEUE_URL);

    process.env[ENV.jobsQueueUrl] = `${QUEUE_URL}-other`;
    const other = jobQueueFromEnv();
    expect(other).not.toBe(queue);
    await other.send([page(1)]);
    expect(sentInputs()[1]?.QueueUrl).toBe(`${QUEUE_URL}-other`);
  });
});
