import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isVersionConflict } from '#ports/event-store.ts';
import { HttpProblem, type HttpResult, problemResult } from './problem.ts';
import { rejectionProblem } from './problems.ts';
import { isUnreachable } from './unreachable.ts';

/** AWS errors that mean "too much at once": the SDK already retried; the client should too. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (THROTTLING.has(error.name)) return true;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return (
    error.name === 'TransactionCanceledException' && (reasons ?? []).some((r) => r.Code === 'ThrottlingError')
  );
}

/**
 * Maps every error to an RFC 9457 response. Known problems and domain rejections carry their own
 * safe detail; anything else is logged with its stack and answered with a bare 500 and the
 * request id to quote, never its message.
 */
export function problemErrors(logger: Logger): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      const instance = request.event.requestContext?.requestId;
      if (error instanceof HttpProblem) {
        request.response = problemResult(error.problem, instance);
        return;
      }
      const rejected = rejectionProblem(error);
      if (rejected !== undefined) {
        request.response = problemResult(rejected.problem, instance);
        return;
      }
      const unavailable = isThrottling(error)
        ? {
            code: 'throttled',
            log: 'Throttled by DynamoDB after the SDK retries',
            detail: 'The store is throttling requests; nothing was recorded. Retry after a moment.',
          }
        : isVersionConflict(error)
          ? {
              // Other writers kept winning lane 0 through every bounded retry (admin writes there).
              code: 'contended',
              log: 'Contention outlasted the retries',
              detail: 'Other writers kept changing this wallet; nothing was recorded. Retry after a moment.',
            }
          : isUnreachable(error)
            ? {
                code: 'store-unreachable',
                log: 'The store could not be reached',
                detail:
                  'The store could not be reached, so this request may not have taken effect. Retry after a moment: with the same Idempotency-Key a retry never counts twice.',
              }
            : undefined;
      if (unavailable !== undefined) {
        logger.warn(unavailable.log, { error: error as Error });
        request.response = problemResult(
          {
            status: 503,
            code: unavailable.code,
            title: 'Service unavailable',
            detail: unavailable.detail,
            headers: { 'retry-after': '1' },
          },
          instance,
        );
        return;
      }
      logger.error('Unhandled error', { error: error as Error });
      request.response = problemResult(
        {
          status: 500,
          code: 'internal',
          title: 'Internal error',
          detail:
            'The request failed on our side and changed nothing it had not acknowledged. Quote the instance id.',
        },
        instance,
      );
    },
  };
}
