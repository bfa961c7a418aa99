import { CorrectionRejected } from '#app/corrections.ts';
import { isDomainError } from '#domain/errors.ts';
import { HttpProblem, type Problem } from './problem.ts';

type Entry = Pick<Problem, 'status' | 'title'> & { headers?: Record<string, string> };

const retry = { 'retry-after': '1' };

/**
 * The one table from a rejection's code to its HTTP status and title: domain errors (whose codes
 * are written with `_` and answered with `-`), correction rejections and use-case outcomes that
 * refuse a request. A code not listed is a 400. (When functions/app/outcomes.ts lands, this table
 * reads its status and title from there.)
 */
export const PROBLEMS: Readonly<Record<string, Entry>> = {
  'invalid-wallet-id': { status: 400, title: 'Bad request' },
  'invalid-amount': { status: 400, title: 'Bad request' },
  'invalid-time': { status: 400, title: 'Bad request' },
  'wallet-not-found': { status: 404, title: 'Not found' },
  'event-not-found': { status: 404, title: 'Not found' },
  'not-correctable': { status: 422, title: 'Not correctable' },
  'event-voided': { status: 409, title: 'Conflict' },
  'invalid-amendment': { status: 422, title: 'Invalid amendment' },
  'rule-failed': { status: 422, title: 'A rule failed on the amended fact' },
  'rule-set-missing': { status: 409, title: 'Rule set missing' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused' },
  'idempotency-key-in-flight': { status: 409, title: 'Request in flight', headers: retry },
  'wallet-busy': { status: 503, title: 'Wallet busy', headers: retry },
  'publish-conflict': { status: 409, title: 'Conflict', headers: retry },
  'rule-set-not-found': { status: 422, title: 'Unprocessable request' },
  'from-version-needs-wallet': { status: 422, title: 'Unprocessable request' },
  'event-id-reused': { status: 422, title: 'Event id reused' },
};

/** The problem for a code of the table, with the detail written for the client. */
export function problem(code: string, detail: string): HttpProblem {
  const entry = PROBLEMS[code] ?? { status: 400, title: 'Bad request' };
  return new HttpProblem({ ...entry, code, detail });
}

/** A rejection the domain or a use case made, as its problem; undefined for anything else. */
export function rejectionProblem(error: unknown): HttpProblem | undefined {
  if (isDomainError(error)) return problem(error.code.replaceAll('_', '-'), error.detail);
  if (error instanceof CorrectionRejected) return problem(error.code, error.detail);
  return undefined;
}
