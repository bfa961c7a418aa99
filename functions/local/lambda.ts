import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '#lib/wiring.ts';

/**
 * What the local runtime needs of Lambda: load a wiring entry's `handler` and give it a context.
 * Handlers run in this process, concurrently; the real service runs one event per instance at a
 * time, but the handlers keep no per-request module state, so that difference does not show.
 */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Stands in for the account id in ARNs, as LocalStack and SAM do. */
const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * Loads each function's entry module once, on first use, by dynamic import of `repoRoot + entry`.
 * Importing lazily lets the runtime set `process.env` (table name, endpoint) before any handler
 * module reads it at load time.
 */
export function handlerLoader(repoRoot: string): (spec: FunctionSpec) => Promise<LambdaHandler> {
  const loaded = new Map<string, Promise<LambdaHandler>>();
  return (spec) => {
    let handler = loaded.get(spec.name);
    if (handler === undefined) {
      const url = pathToFileURL(path.resolve(repoRoot, spec.entry)).href;
      handler = import(url).then((module: { handler?: unknown }) => {
        if (typeof module.handler !== 'function') {
          throw new Error(`${spec.entry} does not export a function named handler`);
        }
        return module.handler as LambdaHandler;
      });
      // A failed import is not cached, so fixing the file and retrying the request works.
      handler.catch(() => loaded.delete(spec.name));
      loaded.set(spec.name, handler);
    }
    return handler;
  };
}

/** A Lambda context as the Node.js runtime builds it; the deadline follows the spec's timeout. */
export function lambdaContext(spec: FunctionSpec, region: string): Context {
  const functionName = `tally-local-${spec.name}`;
  const deadlineMs = Date.now() + spec.timeoutSeconds * 1000;
  const awsRequestId = randomUUID();
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    // The deprecated callback-style completion methods: handlers here are async and never call them.
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export const localAccountId = LOCAL_ACCOUNT_ID;
