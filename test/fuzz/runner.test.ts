import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../functions/adapters/local/dynamodb-local.ts';
import type { LambdaHandler } from '../../functions/local/lambda.ts';
import { ensureTable } from '../../functions/local/table.ts';
import type { FunctionSpec } from '../../lib/wiring.ts';
import { inProcessApi } from './in-process-api.ts';
import type { FuzzCase } from './requests.ts';
import { HandlerLogs, runCase } from './runner.ts';
import { changedKeys, digestStore, watchWrites } from './store-watch.ts';

/**
 * The fuzz suite's judge must be able to fail: handlers that misbehave in each way it looks for
 * (a 5xx, a throw, a hang, a 4xx that is no problem+json, a write before a rejection) are caught,
 * and well-behaved ones are not.
 */
const problem = (status: number) => ({
  statusCode: status,
  headers: { 'content-type': 'application/problem+json' },
  body: JSON.stringify({ type: '/problems/x', title: 'X', status }),
});

let tableName: string;
let raw: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let unwatch: () => void;

const HANDLERS: Record<string, LambdaHandler> = {
  ok: async () => ({ statusCode: 200, body: '{}' }),
  rejects: async () => problem(400),
  plain404: async () => ({ statusCode: 404, headers: { 'content-type': 'text/plain' }, body: 'no' }),
  wrongStatus: async () => ({
    ...problem(400),
    body: JSON.stringify({ type: '/x', title: 'X', status: 422 }),
  }),
  redirects: async () => ({ statusCode: 302, headers: { location: '/' }, body: '' }),
  fails: async () => problem(503),
  throws: async () => {
    throw new RangeError('Maximum call stack size exceeded');
  },
  hangs: () => new Promise(() => undefined),
  writesThenRejects: async () => {
    await documents.send(new PutCommand({ TableName: tableName, Item: { pk: 'W#1', sk: 'x' } }));
    return problem(409);
  },
};

const spec = (name: string): FunctionSpec => ({
  name,
  entry: 'unused.ts',
  description: name,
  memoryMb: 128,
  timeoutSeconds: name === 'hangs' ? 0.05 : 5,
  routes: [{ method: 'POST', path: `/${name}`, auth: { public: 'test' } }],
  tableAccess: 'read-write',
});
const api = inProcessApi(Object.keys(HANDLERS).map(spec), async (fn) => HANDLERS[fn.name] as LambdaHandler);
const logs = new HandlerLogs();

const send = (name: string) => {
  const fuzzCase: FuzzCase = {
    routeKey: `POST /${name}`,
    request: { method: 'POST', target: `/${name}`, headers: [], body: Buffer.from('{}') },
  };
  return runCase(api, fuzzCase, logs, 'test');
};

beforeAll(async () => {
  const endpoint = inject('dynamodbEndpoint');
  tableName = `tally-fuzz-judge-${randomUUID().slice(0, 8)}`;
  raw = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureTable(raw, tableName);
  documents = createDocumentClient({ endpoint, region: LOCAL_REGION });
  unwatch = watchWrites();
});

afterAll(async () => {
  unwatch?.();
  documents?.destroy();
  await raw?.send(new DeleteTableCommand({ TableName: tableName }));
  raw?.destroy();
});

describe('the fuzz judge', () => {
  it('passes a success and a 4xx problem', async () => {
    expect((await send('ok')).finding).toBeUndefined();
    expect(await send('rejects')).toMatchObject({ status: 400, problemType: '/problems/x' });
    expect((await send('rejects')).finding).toBeUndefined();
  });

  it.each([
    ['plain404', 'not-a-problem'],
    ['wrongStatus', 'not-a-problem'],
    ['redirects', 'unexpected-status'],
    ['fails', '5xx'],
    ['throws', 'handler-threw'],
    ['hangs', 'timeout'],
    ['writesThenRejects', 'write-on-reject'],
  ])('catches %s as %s', async (name, kind) => {
    const result = await send(name);
    expect(result.finding?.kind).toBe(kind);
  });

  it('sees in a store digest an item that no successful request wrote', async () => {
    const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    const before = await digestStore(raw, tableName, sqs, []);
    const result = await send('writesThenRejects');
    await documents.send(new PutCommand({ TableName: tableName, Item: { pk: 'W#2', sk: 'y' } }));
    const after = await digestStore(raw, tableName, sqs, []);
    sqs.destroy();
    // The rejected request wrote W#1 (again, unchanged); W#2 came from outside any request.
    expect([...result.trace.itemKeys]).toEqual(['W#1\u0000x']);
    expect(changedKeys(before, after)).toEqual(['W#2\u0000y']);
  });
});
