import { createServer } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '#adapters/local/dynamodb-local.ts';
import { emulatorPort } from '#adapters/local/emulator-port.ts';

/**
 * A restart of DynamoDB Local on its old port while another program holds that port: before,
 * the start-up probe was answered by the other program and the runtime wrote to it. Now the
 * start fails, saying the port is taken, and nothing talks to the impostor.
 */
const impostor = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  response.end('{"TableNames":[]}');
});

afterAll(() => new Promise((resolve) => impostor.close(resolve)));

describe('DynamoDB Local on a port another program holds', () => {
  it('refuses to start instead of taking the other program’s answers for its own', async () => {
    const port = await emulatorPort();
    await new Promise<void>((resolve) => impostor.listen(port, '0.0.0.0', resolve));
    let answered = 0;
    impostor.on('request', () => {
      answered++;
    });
    await expect(startDynamoDbLocal({ port })).rejects.toThrow(new RegExp(`port ${port} is in use`));
    expect(answered).toBe(0);
  }, 60_000);
});
