import { DOMAIN_ERROR_OUTCOMES, WRITE_OUTCOMES } from '#app/outcomes.ts';
import { type DomainError, isDomainError } from '#domain/errors.ts';
import { HttpProblem, type Problem } from './problem.ts';

type Entry = Pick<Problem, 'status' | 'title'> & { headers?: Record<string, string> };

const retry = { 'retry-after': '1' };

/** What a lane-0 write that kept losing its race tells the client. */
export const CONTENDED_DETAIL =
  'Other writers kept changing this wallet; nothing was recorded. Retry after a moment.';

/** Domain errors, as functions/app/outcomes.ts says each is answered (codes with `-`). */
const DOMAIN_PROBLEMS: Record<string, Entry> = Object.fromEntries(
  Object.values(DOMAIN_ERROR_OUTCOMES).map(({ code, status, title }) => [code, { status, title }]),
);

/**
 * The one table from a rejection's code to its HTTP status and title: the domain's (from
 * functions/app/outcomes.ts) and the use-case outcomes that refuse a request. A code not listed
 * is a 400.
 */
export const PROBLEMS: Readonly<Record<string, Entry>> = {
  ...DOMAIN_PROBLEMS,
  [WRITE_OUTCOMES['key-reused'].code]: { status: 422, title: WRITE_OUTCOMES['key-reused'].title },
  [WRITE_OUTCOMES.contended.code]: {
    status: WRITE_OUTCOMES.contended.status,
    title: WRITE_OUTCOMES.contended.title,
    headers: retry,
  },
  'idempotency-key-in-flight': { status: 409, title: 'Request in flight', headers: retry },
  'wallet-busy': { status: 503, title: 'Wallet busy', headers: retry },
  'publish-conflict': { status: 409, title: 'Conflict', headers: retry },
  'rule-set-not-found': { status: 422, title: 'Unprocessable request' },
  'rule-set-text-mismatch': { status: 409, title: 'Rule set text mismatch' },
  'from-version-needs-wallet': { status: 422, title: 'Unprocessable request' },
  'window-not-over': { status: 422, title: 'Unprocessable request' },
  'event-id-reused': { status: 422, title: 'Event id reused' },
  'dead-letter-not-found': { status: 404, title: 'Not found' },
  'dead-letter-queue-not-found': { status: 404, title: 'Not found' },
};

/** The problem for a code of the table, with the detail written for the client. */
export function problem(code: string, detail: string): HttpProblem {
  const entry = PROBLEMS[code] ?? { status: 400, title: 'Bad request' };
  return new HttpProblem({ ...entry, code, detail });
}

/** A domain rejection as its problem, with the error's own (safe) detail. */
export const domainProblem = (error: DomainError): HttpProblem =>
  problem(DOMAIN_ERROR_OUTCOMES[error.code].code, error.detail);

/** A rejection the domain or a use case made, as its problem; undefined for anything else. */
export function rejectionProblem(error: unknown): HttpProblem | undefined {
  if (isDomainError(error)) return domainProblem(error);
  return undefined;
}
