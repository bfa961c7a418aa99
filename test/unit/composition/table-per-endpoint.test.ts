import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readModelsFromEnv } from '#composition/adapters.ts';
import { storesFromEnv, threshold } from '#composition/lambda.ts';
import { ENV } from '#lib/wiring.ts';

/**
 * A process that hosts one local runtime after another (tests, the cold bench's profiler) talks to
 * the DynamoDB and the table of the runtime it hosts now: the document client, the stores and the
 * active rule set's cache are built again when ENV.dynamodbEndpoint or the table name changes.
 */
describe('the stores of a function instance, when the endpoint or the table changes', () => {
  /** Two stand-in DynamoDB endpoints: each answers every request with `{}` and notes its table. */
  const seen: { a: string[]; b: string[] } = { a: [], b: [] };
  const servers: Server[] = [];
  const endpoints: Record<'a' | 'b', string> = { a: '', b: '' };
  const names = [ENV.tableName, ENV.dynamodbEndpoint];
  const saved = names.map((name) => process.env[name]);

  beforeAll(async () => {
    for (const which of ['a', 'b'] as const) {
      const server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          seen[which].push(String((JSON.parse(body) as { TableName?: string }).TableName));
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      endpoints[which] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });
  afterEach(() => {
    names.forEach((name, index) => {
      const value = saved[index];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    });
  });

  const pointAt = (which: 'a' | 'b', table: string) => {
    process.env[ENV.dynamodbEndpoint] = endpoints[which];
    process.env[ENV.tableName] = table;
  };

  it('reads from the endpoint and the table set now, not the first ones', async () => {
    pointAt('a', 'first');
    const first = readModelsFromEnv();
    expect(readModelsFromEnv()).toBe(first);
    await first.getView('w1');
    await threshold();
    expect(seen.a).toEqual(['first', 'first']);

    pointAt('b', 'first');
    expect(readModelsFromEnv()).not.toBe(first);
    await readModelsFromEnv().getView('w1');
    // The active rule set is read again, from the new endpoint (not the cached threshold of the first).
    await threshold();
    expect(seen.b).toEqual(['first', 'first']);

    pointAt('b', 'second');
    await storesFromEnv().readModels.getView('w1');
    await threshold();
    expect(seen.b).toEqual(['first', 'first', 'second', 'second']);
    expect(seen.a).toEqual(['first', 'first']);
  });
});
