/**
 * A stand-in EventBridge for the cold bench: the publish-events bundle builds its EventBridge
 * client from the stack's environment (TALLY_EVENT_BUS_NAME), and the SDK sends it here when
 * AWS_ENDPOINT_URL_EVENTBRIDGE names this server, so its first call publishes and succeeds instead
 * of throwing for want of a bus. It accepts every PutEvents entry (the JSON 1.1 answer EventBridge
 * gives) and counts them.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEventBridge {
  endpoint: string;
  /** PutEvents entries taken so far. */
  entries(): number;
  stop(): Promise<void>;
}

export async function startFakeEventBridge(): Promise<FakeEventBridge> {
  let taken = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = request.headers['x-amz-target'];
      if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'UnknownOperationException', message: String(target) }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: unknown[] };
      const count = body.Entries?.length ?? 0;
      taken += count;
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify({
          FailedEntryCount: 0,
          Entries: Array.from({ length: count }, () => ({ EventId: randomUUID() })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    entries: () => taken,
    stop: () =>
      new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
