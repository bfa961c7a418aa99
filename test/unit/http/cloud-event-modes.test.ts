import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { CloudEvent, HTTP } from 'cloudevents';
import { beforeEach, describe, expect, it } from 'vitest';
import { type EventsDeps, makeEventsHandler } from '#handlers/events.ts';
import type { QueuedEvent } from '#http/cloud-events.ts';
import { problemErrors } from '#http/middleware.ts';
import type { HttpResult } from '#http/problem.ts';
import { httpEvent, lambdaContext, problemOf } from '../../support/http.ts';

/**
 * `POST /events` in each HTTP binding of CloudEvents 1.0, with the official `cloudevents` SDK
 * writing the requests: what it sends by default (binary) must land as the same event the
 * structured and batch modes carry.
 */
const logger = new Logger({ serviceName: 'tally-test', logLevel: 'SILENT' });

let sent: QueuedEvent[];

beforeEach(() => {
  sent = [];
});

async function post(body: string, headers: Record<string, string>): Promise<HttpResult> {
  const deps: EventsDeps = {
    queue: {
      send: async (events) => {
        sent.push(...events);
        return { sent: events.map((event) => event.id), failed: [] };
      },
    },
    log: { warn: () => undefined },
    clock: { nowMs: () => Date.parse('2026-11-22T10:01:00Z') },
  };
  const handler = middy(makeEventsHandler(() => deps)).use(problemErrors(logger));
  // API Gateway lowercases header names in payload 2.0.
  const lower = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return handler(httpEvent({ method: 'POST', path: '/events', body, headers: lower }), lambdaContext);
}

const like = (id: string, subject = 'w1') =>
  new CloudEvent({
    specversion: '1.0',
    id,
    source: 'qa-app',
    type: 'answer_is_liked',
    subject,
    time: '2026-11-22T10:00:00Z',
    datacontenttype: 'application/json',
    data: { answerId: 'a-1', note: 'ünïcode & spaces' },
  });

const queuedEvent = (index = 0) => JSON.parse(sent[index]?.body ?? 'null') as Record<string, unknown>;

describe('binary mode (the SDK default)', () => {
  it('reads the ce-* headers and the JSON body as one event', async () => {
    const message = HTTP.binary(like('bin-1'));
    expect(message.headers['ce-id']).toBe('bin-1');
    const response = await post(String(message.body), message.headers as Record<string, string>);
    expect(response.statusCode, response.body).toBe(202);
    expect(JSON.parse(response.body).results).toEqual([{ index: 0, id: 'bin-1', status: 'queued' }]);
    expect(queuedEvent()).toMatchObject({
      specversion: '1.0',
      id: 'bin-1',
      source: 'qa-app',
      type: 'answer_is_liked',
      subject: 'w1',
      time: '2026-11-22T10:00:00.000Z',
      data: { answerId: 'a-1', note: 'ünïcode & spaces' },
    });
  });

  it('decodes percent-encoded header values', async () => {
    const response = await post('{}', {
      'ce-specversion': '1.0',
      'ce-id': 'bin-2',
      'ce-source': 'qa%20app',
      'ce-type': 'answer_is_liked',
      'ce-subject': 'w1',
      'content-type': 'application/json',
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(queuedEvent().source).toBe('qa app');
  });

  it('refuses an event whose headers lack a required attribute, saying which', async () => {
    const response = await post('{}', { 'ce-specversion': '1.0', 'ce-source': 's', 'ce-type': 't' });
    expect(response.statusCode).toBe(400);
    const problem = problemOf(response);
    expect(problem.type).toBe('/problems/invalid-events');
    expect(problem.detail).toMatch(/id: is required/);
    expect(sent).toEqual([]);
  });

  it('keeps non-JSON data as text', async () => {
    const response = await post('plain words', {
      'ce-specversion': '1.0',
      'ce-id': 'bin-3',
      'ce-source': 's',
      'ce-type': 'note',
      'ce-subject': 'w1',
      'content-type': 'text/plain',
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(queuedEvent()).toMatchObject({ data: 'plain words', datacontenttype: 'text/plain' });
  });
});

describe('structured mode', () => {
  it('reads one event from application/cloudevents+json', async () => {
    const message = HTTP.structured(like('str-1'));
    expect(message.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    const response = await post(String(message.body), message.headers as Record<string, string>);
    expect(response.statusCode, response.body).toBe(202);
    expect(queuedEvent()).toMatchObject({ id: 'str-1', subject: 'w1', data: { answerId: 'a-1' } });
  });

  it('takes an array sent with the structured type as a batch, as Tally always has', async () => {
    const body = JSON.stringify([like('str-2').toJSON(), like('str-3').toJSON()]);
    const response = await post(body, { 'content-type': 'application/cloudevents+json' });
    expect(response.statusCode, response.body).toBe(202);
    expect(sent.map((event) => event.id)).toEqual(['str-2', 'str-3']);
  });
});

describe('batch mode', () => {
  const batchHeaders = { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' };

  it('queues every event of the batch and answers a result per event, in order', async () => {
    const events = [like('bat-1', 'w1'), like('bat-2', 'w2'), like('bat-1', 'w1')];
    const response = await post(JSON.stringify(events.map((event) => event.toJSON())), batchHeaders);
    expect(response.statusCode, response.body).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      accepted: 2,
      ids: ['bat-1', 'bat-2'],
      duplicates: 1,
      results: [
        { index: 0, id: 'bat-1', status: 'queued' },
        { index: 1, id: 'bat-2', status: 'queued' },
        { index: 2, id: 'bat-1', status: 'duplicate' },
      ],
    });
    expect(sent.map((event) => event.id)).toEqual(['bat-1', 'bat-2']);
  });

  it('refuses the whole batch when one event is malformed, naming its index; nothing is queued', async () => {
    const good = like('bat-3').toJSON();
    const bad = { ...like('bat-4').toJSON(), subject: 'not a wallet id!' };
    const response = await post(JSON.stringify([good, bad]), batchHeaders);
    expect(response.statusCode).toBe(400);
    const problem = problemOf(response);
    expect(problem.type).toBe('/problems/invalid-events');
    expect(problem.errors).toEqual([expect.objectContaining({ index: 1, pointer: '#/1/subject' })]);
    expect(sent).toEqual([]);
  });

  it('refuses a batch that is not an array', async () => {
    const response = await post(JSON.stringify(like('bat-5').toJSON()), batchHeaders);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).type).toBe('/problems/invalid-batch');
  });
});
