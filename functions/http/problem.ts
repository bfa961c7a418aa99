import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** An RFC 9457 problem. Everything in it is meant for the client; nothing internal goes here. */
export interface Problem {
  status: number;
  /** Stable, machine-readable; becomes the `type` URI `<base>/problems/<code>` (problemType). */
  code: string;
  title: string;
  detail: string;
  /** Extension members, e.g. per-field `errors`. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Where problem `type` URIs point unless TALLY_PROBLEM_BASE says otherwise. */
export const PROBLEM_BASE_DEFAULT = 'https://tally.dev';

/**
 * A problem's `type`: an absolute URI (RFC 9457 §3.1.1), `https://tally.dev/problems/<code>` by
 * default, under TALLY_PROBLEM_BASE when a deployment documents its problems elsewhere. A relative
 * `/problems/<code>` resolved against the API and 404ed. The `<code>` part never changes.
 */
export function problemType(code: string, base = process.env.TALLY_PROBLEM_BASE): string {
  const root = (base === undefined || base.trim() === '' ? PROBLEM_BASE_DEFAULT : base.trim()).replace(
    /\/+$/,
    '',
  );
  return `${root}/problems/${code}`;
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
      type: problemType(problem.code),
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
