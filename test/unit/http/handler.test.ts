import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { authorizeAdmin } from '#http/admin.ts';
import { httpHandler, httpRoute, walletInPath } from '#http/handler.ts';
import { jsonResult } from '#http/problem.ts';
import { BODY_BYTES_MAX, JSON_DEPTH_MAX, jsonDepthExceeds } from '#http/request.ts';
import { apiRequest } from '../../support/api-request.ts';
import { lambdaContext, problemOf } from '../../support/http.ts';
import { withJwt } from '../../support/jwt-context.ts';

const getWallet = (walletId: string) =>
  apiRequest({
    method: 'GET',
    route: '/wallets/{wallet_id}',
    path: `/wallets/${walletId}`,
    pathParameters: { wallet_id: walletId },
  });

function route(options: { admin?: () => string | undefined } = {}) {
  const deps = vi.fn(async () => ({ answer: 'ok' }));
  const run = vi.fn(async (_request: unknown, loaded: { answer: string }) => jsonResult(200, loaded.answer));
  const handler = httpHandler(
    httpRoute({
      ...(options.admin === undefined ? {} : { admin: { token: options.admin, authorize: authorizeAdmin } }),
      wallets: walletInPath,
      deps,
      run,
    }),
  );
  return { deps, run, call: (event: APIGatewayProxyEventV2) => handler(event, lambdaContext) };
}

describe('httpRoute: checks before dependencies', () => {
  it('runs the route for a service caller (no authorizer context)', async () => {
    const { call, deps } = route();
    expect(await call(getWallet('w9'))).toMatchObject({ statusCode: 200, body: 'ok' });
    expect(deps).toHaveBeenCalledOnce();
  });

  it('answers another wallet 403 without loading dependencies or running the route', async () => {
    const { call, deps, run } = route();
    const response = await call(withJwt(getWallet('w2'), { wallet_ids: 'w1' }));
    expect(response.statusCode).toBe(403);
    expect(problemOf(response)).toMatchObject({ type: '/problems/forbidden-wallet', status: 403 });
    expect(deps).not.toHaveBeenCalled();
    expect(run).not.toHaveBeenCalled();
  });

  it('runs the route for the token own wallet', async () => {
    const { call } = route();
    expect((await call(withJwt(getWallet('w1'), { wallet_ids: '[w0 w1]' }))).statusCode).toBe(200);
  });

  it('answers a body over 64 KiB 413 before anything is loaded', async () => {
    const { call, deps } = route();
    const event = { ...getWallet('w1'), body: 'x'.repeat(BODY_BYTES_MAX + 1) };
    const response = await call(event);
    expect(response.statusCode).toBe(413);
    expect(problemOf(response).type).toBe('/problems/body-too-large');
    expect(deps).not.toHaveBeenCalled();
    expect((await call({ ...getWallet('w1'), body: 'x'.repeat(BODY_BYTES_MAX) })).statusCode).toBe(200);
  });

  it('counts a base64 body by its decoded bytes', async () => {
    const { call } = route();
    const encoded = Buffer.from('x'.repeat(BODY_BYTES_MAX)).toString('base64');
    expect((await call({ ...getWallet('w1'), body: encoded, isBase64Encoded: true })).statusCode).toBe(200);
  });

  it('checks the local admin token before loading anything, for service callers only', async () => {
    const { call, deps } = route({ admin: () => 's3cret' });
    expect((await call(getWallet('w1'))).statusCode).toBe(401);
    const wrong = { ...getWallet('w1'), headers: { authorization: 'Bearer nope' } };
    expect((await call(wrong)).statusCode).toBe(403);
    expect(deps).not.toHaveBeenCalled();
    const right = { ...getWallet('w1'), headers: { authorization: 'Bearer s3cret' } };
    expect((await call(right)).statusCode).toBe(200);
    // A verified token's scopes were checked by the authorizer; its bearer is the JWT, not the shortcut.
    const jwt = withJwt({ ...getWallet('w1'), headers: { authorization: 'Bearer eyJ.x.y' } }, {}, ['admin']);
    expect((await call(jwt)).statusCode).toBe(200);
  });
});

describe('jsonDepthExceeds', () => {
  it('counts nesting outside strings only, without recursion', () => {
    expect(jsonDepthExceeds('[[1]]', 2)).toBe(false);
    expect(jsonDepthExceeds('[[[1]]]', 2)).toBe(true);
    expect(jsonDepthExceeds('{"a":"[[[[[[\\"[[["}', 1)).toBe(false);
    expect(jsonDepthExceeds(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, JSON_DEPTH_MAX)).toBe(true);
    expect(jsonDepthExceeds('[]'.repeat(1000), 1)).toBe(false);
  });
});
