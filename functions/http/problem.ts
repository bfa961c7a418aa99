import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** An RFC 9457 problem. Everything in it is meant for the client; nothing internal goes here. */
export interface Problem {
  status: number;
  /** Stable, machine-readable; becomes the `type` URI `/problems/<code>`. */
  code: string;
  title: string;
  detail: string;
  /** Extension members, e.g. per-field `errors`. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }
}

export function problemResult(problem: Problem, instance?: string): HttpResult {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...problem.headers },
    body: JSON.stringify({
      type: `/problems/${problem.code}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      ...(instance ? { instance } : {}),
      ...problem.extensions,
    }),
  };
}

export const badRequest = (code: string, detail: string, extensions?: Record<string, unknown>): HttpProblem =>
  new HttpProblem({ status: 400, code, title: 'Bad request', detail, ...(extensions ? { extensions } : {}) });

export function jsonResult(
  statusCode: number,
  body: string,
  headers: Record<string, string> = {},
): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body };
}

/** 404 for a wallet with nothing in its log (`what` names what it lacks, e.g. "deposits"). */
export const walletNotFound = (walletId: string, what = 'events'): HttpProblem =>
  new HttpProblem({
    status: 404,
    code: 'wallet-not-found',
    title: 'Not found',
    detail: `Wallet ${walletId} has no ${what}.`,
  });
