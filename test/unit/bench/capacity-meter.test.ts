import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { CapacityMeter } from '../../../bench/capacity-meter.ts';

/** A document client whose requests never leave the process: each body is kept, each answer is `{}`. */
function capturingClient() {
  const bodies: Record<string, unknown>[] = [];
  const client = new DynamoDBClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { body?: string | Uint8Array }) => {
        const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        bodies.push(JSON.parse(text || '{}') as Record<string, unknown>);
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from('{}')]),
          },
        };
      },
    },
  });
  return { documents: DynamoDBDocumentClient.from(client), bodies };
}

describe('CapacityMeter', () => {
  it('asks for the consumed capacity only between start() and stop(), so unmetered phases send what production sends', async () => {
    const { documents, bodies } = capturingClient();
    const meter = new CapacityMeter();
    meter.attach(documents);
    const get = () => documents.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } }));

    await get();
    meter.start();
    await get();
    await documents.send(new PutCommand({ TableName: 't', Item: { pk: 'a', sk: 'VIEW#WALLET' } }));
    meter.stop();
    await get();

    expect(bodies.map((body) => body.ReturnConsumedCapacity)).toEqual([
      undefined,
      'TOTAL',
      'TOTAL',
      undefined,
    ]);
    expect(meter.requests).toBe(2);
    expect([...meter.byCommand.keys()]).toEqual(['GetItemCommand', 'PutItemCommand']);
  });

  it('starts from zero on each start()', async () => {
    const { documents } = capturingClient();
    const meter = new CapacityMeter();
    meter.attach(documents);
    meter.start();
    await documents.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } }));
    meter.start();
    expect(meter.requests).toBe(0);
    expect(meter.byCommand.size).toBe(0);
  });
});
