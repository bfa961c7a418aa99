import { Agent, request as httpRequest } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_BODY_BYTES_MAX } from '../../functions/local/http-body.ts';
import { type LocalHttpServer, startHttpServer } from '../../functions/local/http-server.ts';
import type { LambdaHandler } from '../../functions/local/lambda.ts';
import { createRateLimiter } from '../../functions/local/rate-limit.ts';
import type { FunctionSpec } from '../../lib/wiring.ts';

/**
 * The local API Gateway stand-in, with test-double handlers: the event it builds (payload 2.0),
 * how it reads results, and its own 404/405/413/500 answers. No database involved.
 */
const spec = (name: string, routes: FunctionSpec['routes']): FunctionSpec => ({
  name,
  entry: `unused/${name}.ts`,
  description: name,
  memoryMb: 128,
  timeoutSeconds: 3,
  routes,
  tableAccess: 'read',
});

const FUNCTIONS: FunctionSpec[] = [
  spec('echo', [
    { method: 'POST', path: '/echo/{id}', auth: { public: 'test route' } },
    { method: 'GET', path: '/echo/{id}', auth: { public: 'test route' } },
  ]),
  spec('literal', [{ method: 'GET', path: '/echo/fixed', auth: { public: 'test route' } }]),
  spec('greedy', [{ method: 'GET', path: '/files/{path+}', auth: { public: 'test route' } }]),
  spec('plain', [{ method: 'GET', path: '/plain', auth: { public: 'test route' } }]),
  spec('binary', [{ method: 'GET', path: '/binary', auth: { public: 'test route' } }]),
  spec('boom', [{ method: 'GET', path: '/boom', auth: { public: 'test route' } }]),
  spec('malformed', [{ method: 'GET', path: '/malformed', auth: { public: 'test route' } }]),
];

const seen: { event: APIGatewayProxyEventV2; context: Context }[] = [];
const echo: LambdaHandler = async (event, context) => {
  seen.push({ event: event as APIGatewayProxyEventV2, context });
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
};
const HANDLERS: Record<string, LambdaHandler> = {
  echo,
  literal: async () => ({ statusCode: 200, body: 'literal' }),
  greedy: echo,
  plain: async () => ({ hello: 'world' }),
  binary: async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/octet-stream', 'x-count': 3 },
    cookies: ['a=1; Path=/', 'b=2'],
    body: Buffer.from([0, 1, 2, 255]).toString('base64'),
    isBase64Encoded: true,
  }),
  boom: async () => {
    throw new Error('secret internal detail');
  },
  malformed: async () => ({ statusCode: 200, body: { not: 'a string' } }),
};

let server: LocalHttpServer;
const logged: string[] = [];

beforeAll(async () => {
  server = await startHttpServer({
    functions: FUNCTIONS,
    loadHandler: async (fn) => {
      const handler = HANDLERS[fn.name];
      if (handler === undefined) throw new Error(`no handler ${fn.name}`);
      return handler;
    },
    port: 0,
    region: 'us-east-1',
    log: (line) => logged.push(line),
  });
});

afterAll(async () => {
  await server.close();
});

async function echoed(path: string, init?: RequestInit): Promise<APIGatewayProxyEventV2> {
  const response = await fetch(`${server.url}${path}`, init);
  expect(response.status).toBe(200);
  return (await response.json()) as APIGatewayProxyEventV2;
}

describe('local HTTP API: the payload 2.0 event', () => {
  it('carries route, raw path and query, decoded parameters, lower-cased joined headers and cookies', async () => {
    const event = await echoed('/echo/a%2Fb%20c?x=1&y=two%20words&x=3', {
      method: 'POST',
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Multi', 'one'],
        ['X-Multi', 'two'],
        ['Cookie', 'session=abc; theme=dark'],
        ['User-Agent', 'tally-test'],
      ],
      body: '{"hello":"wörld"}',
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo/{id}',
      rawPath: '/echo/a%2Fb%20c',
      rawQueryString: 'x=1&y=two%20words&x=3',
      cookies: ['session=abc', 'theme=dark'],
      queryStringParameters: { x: '1,3', y: 'two words' },
      pathParameters: { id: 'a/b c' },
      body: '{"hello":"wörld"}',
      isBase64Encoded: false,
      requestContext: {
        http: {
          method: 'POST',
          path: '/echo/a%2Fb%20c',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'tally-test',
        },
        routeKey: 'POST /echo/{id}',
        stage: '$default',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      },
    });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers.cookie).toBeUndefined();
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('joins a repeated header with commas, as API Gateway does', async () => {
    // fetch merges repeated headers itself; node:http sends them as separate lines.
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(
        `${server.url}/echo/multi`,
        { headers: { 'x-multi': ['one', 'two'] } },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => resolve(text));
        },
      );
      request.on('error', reject);
      request.end();
    });
    const event = JSON.parse(body) as APIGatewayProxyEventV2;
    expect(event.headers['x-multi']).toBe('one,two');
  });

  it('base64-encodes bodies API Gateway treats as binary, curl -d’s form content type included', async () => {
    const body = '{"WalletID": "w", "Amount": 1}';
    const form = await echoed('/echo/x', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(form.isBase64Encoded).toBe(true);
    expect(Buffer.from(form.body ?? '', 'base64').toString('utf8')).toBe(body);

    const text = await echoed('/echo/x', { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(text).toMatchObject({ isBase64Encoded: false, body });
  });

  it('omits body, cookies, query and path parameters when there are none', async () => {
    const event = await echoed('/files/a/b/c.txt');
    expect(event.pathParameters).toEqual({ path: 'a/b/c.txt' });
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.cookies).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
  });

  it('passes a Lambda context with a request id, the function name and a deadline', async () => {
    seen.length = 0;
    await echoed('/echo/ctx');
    const context = seen[0]?.context;
    expect(context?.functionName).toBe('tally-local-echo');
    expect(context?.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context?.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(context?.getRemainingTimeInMillis()).toBeLessThanOrEqual(3_000);
  });

  it('prefers the more literal template when two match', async () => {
    const response = await fetch(`${server.url}/echo/fixed`);
    expect(await response.text()).toBe('literal');
  });
});

describe('local HTTP API: results and its own answers', () => {
  it('sends a plain object as 200 application/json', async () => {
    const response = await fetch(`${server.url}/plain`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe('{"hello":"world"}');
  });

  it('decodes isBase64Encoded results and sends cookies as Set-Cookie', async () => {
    const response = await fetch(`${server.url}/binary`);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(response.headers.get('x-count')).toBe('3');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
  });

  const expectProblem = async (response: Response, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
    expect(problem.detail).toEqual(expect.any(String));
    return problem;
  };

  it('answers an unknown route with 404 and a known path with the wrong method with 405 + Allow', async () => {
    await expectProblem(await fetch(`${server.url}/nowhere`), 404);
    await expectProblem(await fetch(`${server.url}/echo`), 404);
    const wrongMethod = await fetch(`${server.url}/plain`, { method: 'DELETE' });
    await expectProblem(wrongMethod, 405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    const both = await fetch(`${server.url}/echo/x`, { method: 'PUT' });
    await expectProblem(both, 405);
    expect(both.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses a body over 64 KB with 413 before any handler runs', async () => {
    seen.length = 0;
    expect(REQUEST_BODY_BYTES_MAX).toBe(64 * 1024);
    const response = await fetch(`${server.url}/echo/big`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(REQUEST_BODY_BYTES_MAX + 1),
    });
    await expectProblem(response, 413);
    expect(seen).toHaveLength(0);
    // A body of exactly the limit still reaches the handler.
    const atLimit = await fetch(`${server.url}/echo/fits`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'y'.repeat(REQUEST_BODY_BYTES_MAX),
    });
    expect(atLimit.status).toBe(200);
  });

  it('answers a large streamed upload with 413 on a healthy connection, not a reset', async () => {
    // A client that keeps writing 2 MB in chunks, with no Content-Length (chunked), reads the 413;
    // the socket is neither reset nor closed under it, and serves the next request.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const errors: Error[] = [];
    const post = (chunks: number): Promise<{ status: number; body: string; reusedSocket: boolean }> =>
      new Promise((resolve, reject) => {
        const request = httpRequest(`${server.url}/echo/stream`, { method: 'POST', agent }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (text: string) => {
            body += text;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body, reusedSocket: request.reusedSocket }),
          );
          response.on('error', reject);
        });
        // Kept after the answer too: a reset that follows the 413 shows up here.
        request.on('error', (error) => {
          errors.push(error);
          reject(error);
        });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        const writeMore = (): void => {
          while (sent < chunks) {
            sent++;
            if (!request.write(chunk)) {
              request.once('drain', writeMore);
              return;
            }
          }
          request.end();
        };
        writeMore();
      });
    try {
      const refused = await post(32);
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.body)).toMatchObject({
        status: 413,
        type: 'https://tally.dev/problems/body-too-large',
      });
      const next = await post(0);
      expect(next.status).toBe(200);
      // The same keep-alive connection answered both: it was neither reset nor closed.
      expect(next.reusedSocket).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      agent.destroy();
    }
  });

  it('turns a throwing handler into a 500 problem without its message or stack, and logs the stack', async () => {
    logged.length = 0;
    const problem = await expectProblem(await fetch(`${server.url}/boom`), 500);
    expect(JSON.stringify(problem)).not.toContain('secret');
    expect(JSON.stringify(problem)).not.toContain('.ts:');
    expect(logged.join('\n')).toContain('secret internal detail');
    expect(logged.join('\n')).toMatch(/at .*local-http-server\.int\.test\.ts/);
  });

  it('turns a result API Gateway would reject into a 500', async () => {
    await expectProblem(await fetch(`${server.url}/malformed`), 500);
  });

  it('answers a path parameter that is not valid percent-encoding with 400', async () => {
    await expectProblem(await fetch(`${server.url}/echo/%E0%A4%A`), 400);
  });
});

describe('--rate-limit', () => {
  it('answers 429 problem+json with Retry-After past a client budget, and other clients still pass', async () => {
    const limited = await startHttpServer({
      functions: FUNCTIONS,
      loadHandler: async () => HANDLERS.literal ?? echo,
      port: 0,
      region: 'us-east-1',
      log: () => undefined,
      rateLimiter: createRateLimiter({ perSecond: 1, burst: 3 }),
    });
    try {
      const as = (token: string) =>
        fetch(`${limited.url}/echo/fixed`, { headers: { authorization: `Bearer ${token}` } });
      const statuses = [];
      for (let n = 0; n < 4; n++) statuses.push((await as('one')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await as('one');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as { type: string }).type).toMatch(/rate-limited$/);
      expect((await as('two')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
