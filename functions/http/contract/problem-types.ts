/**
 * Every problem `type` the API answers (RFC 9457): `<base>/problems/<code>` with its status and
 * what it means for the caller. The document lists them all (`x-problem-types` and the Problem
 * schema's description); a unit test checks that every code the source can throw is listed here,
 * so a new problem cannot ship undocumented.
 */
export interface ProblemType {
  status: number;
  meaning: string;
}

export const PROBLEM_TYPES: Readonly<Record<string, ProblemType>> = {
  // Requests the edge refuses before any route code runs.
  'bad-request-target': { status: 400, meaning: 'The request target is not a path.' },
  'bad-path': { status: 400, meaning: 'The path cannot be decoded (bad percent-encoding).' },
  'route-not-found': { status: 404, meaning: 'No route has this path.' },
  'method-not-allowed': { status: 405, meaning: 'The path exists, not with this method; see `Allow`.' },
  unauthorized: {
    status: 401,
    meaning: 'No token, or a token that does not verify; see `WWW-Authenticate`.',
  },
  forbidden: { status: 403, meaning: "The token lacks the route's scope (`insufficient_scope`)." },
  'forbidden-wallet': { status: 403, meaning: "The token's `wallet_ids` claim does not name this wallet." },
  'body-too-large': { status: 413, meaning: 'The body is over the limit (64 KiB; rule sets 200 KB).' },
  throttled: { status: 429, meaning: 'Too many requests; retry later.' },
  internal: { status: 500, meaning: 'A bug; nothing internal is shown. Quote the instance id.' },
  // Bodies and parameters.
  'malformed-json': { status: 400, meaning: 'The body is not JSON (or nests too deep).' },
  'too-deep': { status: 400, meaning: 'The body nests arrays and objects more than 64 levels deep.' },
  'invalid-idempotency-key': {
    status: 400,
    meaning: 'An `Idempotency-Key` outside 1–255 of `A-Z a-z 0-9 . _ : ~ @ + = / -`.',
  },
  'missing-body': { status: 400, meaning: 'The route needs a body and none came.' },
  'invalid-request': {
    status: 400,
    meaning: 'The body does not match the schema; `errors` lists each field.',
  },
  'invalid-wallet-id': { status: 400, meaning: 'A wallet id outside 1–128 of `A-Z a-z 0-9 . _ : @ -`.' },
  'invalid-amount': {
    status: 400,
    meaning: 'An amount that is not a positive decimal with at most 2 places.',
  },
  'invalid-time': { status: 400, meaning: 'A time that is not RFC 3339, or is too far in the future.' },
  'invalid-deposit': { status: 400, meaning: 'A deposit the domain refuses (e.g. over the maximum).' },
  'invalid-transfer': { status: 400, meaning: 'A transfer the domain refuses (same wallet both sides …).' },
  'invalid-limit': { status: 400, meaning: '`limit` is not a whole number from 1 to 200.' },
  'invalid-cursor': { status: 400, meaning: '`cursor` is not one this API gave out.' },
  'invalid-as-of': { status: 400, meaning: '`asOf` is neither an ISO 8601 time nor a version.' },
  'invalid-known-at': { status: 400, meaning: '`knownAt` is not an ISO 8601 time.' },
  'invalid-full': { status: 400, meaning: '`full` is neither `true` nor `false`.' },
  'invalid-version': { status: 400, meaning: 'A rule-set version that is not a whole number.' },
  'invalid-source': { status: 400, meaning: 'A rule-set `source` that is not a short label.' },
  'invalid-allow-empty': { status: 400, meaning: '`allowEmpty` is neither `true` nor `false`.' },
  'invalid-hold-id': { status: 400, meaning: 'A hold id that is not one this API gave out.' },
  'invalid-event': {
    status: 400,
    meaning: 'A CloudEvent in binary mode whose `ce-*` headers are incomplete.',
  },
  'invalid-events': {
    status: 400,
    meaning:
      'Some CloudEvents are invalid; `errors` has one entry per reason with its index; none was accepted.',
  },
  'invalid-batch': { status: 400, meaning: 'A batch that is empty, over 100 events, or not an array.' },
  'unsupported-media-type': { status: 415, meaning: 'A content type this route does not take.' },
  'invalid-rules': {
    status: 400,
    meaning: 'A rule set that does not compile; `errors` has line and column.',
  },
  'empty-rules': { status: 422, meaning: 'A rule set with no rules (send `?allowEmpty=true` to mean it).' },
  'missing-idempotency-key': {
    status: 400,
    meaning: 'A trading write without its required `Idempotency-Key`.',
  },
  // Outcomes of writes.
  'idempotency-key-reused': {
    status: 422,
    meaning: 'The key was used with another payload; nothing changed.',
  },
  'idempotency-key-in-flight': {
    status: 409,
    meaning: 'A request with this key is still running; retry shortly.',
  },
  'event-id-reused': { status: 422, meaning: 'Two events of one request share an id but differ.' },
  contended: { status: 503, meaning: 'Other writers kept changing the wallet; nothing was recorded. Retry.' },
  'wallet-busy': { status: 503, meaning: 'As `contended`, for an unkeyed deposit. Retry.' },
  'events-not-queued': {
    status: 503,
    meaning: 'Some events were not queued (`queued`, `failed` say which); resending is safe.',
  },
  'store-unreachable': { status: 503, meaning: 'The event store did not answer (health).' },
  'insufficient-funds': { status: 409, meaning: 'Available (balance − held) would fall below the floor.' },
  'wallet-not-found': { status: 404, meaning: 'The wallet has no events.' },
  'event-not-found': { status: 404, meaning: 'No event of this wallet has that id or key.' },
  'not-correctable': { status: 422, meaning: 'This kind of event cannot be corrected.' },
  'event-voided': { status: 409, meaning: 'The event was voided already.' },
  'invalid-amendment': {
    status: 422,
    meaning: 'The amendment changes nothing or changes what cannot change.',
  },
  'correction-below-floor': {
    status: 409,
    meaning:
      'The correction takes back more than is available (balance − held would end below the floor); reverse the spend first.',
  },
  'rule-failed': { status: 422, meaning: 'A rule failed on the amended fact.' },
  'rule-set-missing': { status: 409, meaning: 'The rule-set version an award names is not stored.' },
  'hold-not-found': { status: 404, meaning: 'No such hold on this wallet.' },
  'hold-not-active': { status: 409, meaning: 'The hold was captured, released or expired.' },
  'hold-exists': { status: 409, meaning: 'A hold with this id exists with other terms.' },
  'hold-not-expired': { status: 409, meaning: 'The hold has not expired yet.' },
  'offer-not-open': { status: 409, meaning: 'The offer was accepted, cancelled or expired.' },
  'offer-not-found': { status: 404, meaning: 'No such offer.' },
  'job-not-found': { status: 404, meaning: 'No job of this kind has this id.' },
  'rule-set-not-found': { status: 422, meaning: 'The rule-set version named is not published.' },
  'rule-set-version-not-found': { status: 404, meaning: 'No published rule-set version has this number.' },
  'rule-set-text-mismatch': { status: 409, meaning: "The file's hash is not the hash the dry run used." },
  'publish-conflict': { status: 409, meaning: 'Other publishes kept winning the race; retry.' },
  'from-version-needs-wallet': { status: 422, meaning: '`fromVersion` needs a `walletId`.' },
  'window-not-over': { status: 422, meaning: 'A re-publish window must be over: `to` is in the future.' },
  // Card accounts.
  'account-not-found': { status: 404, meaning: 'No card account with this id was opened.' },
  'account-exists': {
    status: 409,
    meaning: 'The account is open with other terms; change its limit instead.',
  },
  'invalid-credit-limit': { status: 400, meaning: 'A credit limit below zero.' },
  'invalid-authorization-id': { status: 400, meaning: 'The path names no authorization.' },
  'authorization-exists': { status: 409, meaning: 'An authorization with this id exists with other terms.' },
  'authorization-not-found': { status: 404, meaning: 'The account has no authorization with this id.' },
  'authorization-declined': {
    status: 409,
    meaning: 'The authorization was declined: there is nothing to capture or void.',
  },
  'invalid-payment-id': { status: 400, meaning: 'The path names no payment.' },
  'payment-exists': { status: 409, meaning: 'The payment id was submitted with another amount.' },
  'payment-returned': {
    status: 409,
    meaning: 'The payment was returned already (or its return is waiting for it).',
  },
  'invalid-account-event': {
    status: 400,
    meaning: 'An `account.*` / `payment.*` CloudEvent of an unknown type or with bad data.',
  },
  // Payments and orders.
  'payment-not-found': { status: 404, meaning: 'No payment (or order) has this id.' },
  'payment-mismatch': { status: 422, meaning: 'The payment exists with other terms.' },
  'payment-not-refundable': {
    status: 409,
    meaning: 'The payment has not succeeded: no cash was taken, so there is nothing to refund.',
  },
  'unsupported-currency': { status: 400, meaning: "A currency other than the ledger's." },
  'payment-provider-refused': {
    status: 502,
    meaning: 'The payment provider refused to create the payment; nothing was recorded.',
  },
  'payment-provider-unavailable': {
    status: 503,
    meaning: 'The payment provider could not be reached; nothing was recorded. Retry with the same key.',
  },
  'invalid-webhook-signature': {
    status: 401,
    meaning: 'The webhook signature is missing, wrong or not fresh; nothing was changed.',
  },
  'unreadable-webhook': {
    status: 400,
    meaning: 'The webhook is signed but not an event this API can read; nothing was changed.',
  },
  // The offer book.
  'invalid-query': { status: 400, meaning: 'A query parameter the route does not know.' },
  'invalid-asset': { status: 400, meaning: '`asset` is neither `money` nor `points`.' },
  'invalid-status': { status: 400, meaning: '`status` is not one of the listed statuses.' },
  // Dead letters.
  'invalid-queue': { status: 400, meaning: '`queue` is neither `events` nor `jobs`.' },
  'dead-letter-queue-not-found': { status: 404, meaning: 'This deployment has no such dead-letter queue.' },
  'dead-letter-not-found': { status: 404, meaning: 'No parked message has this id.' },
  // The local server only.
  'rate-limited': {
    status: 429,
    meaning: "The local server's rate limit: too many requests from this client; see `Retry-After`.",
  },
};
