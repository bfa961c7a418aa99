// One cold start, in a fresh process: import the bundle, call its handler once, print the times.
// Plain JavaScript run by plain node (no tsx loader), as Lambda runs the bundle.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, eventJson] = process.argv.slice(2);
const context = {
  awsRequestId: 'cold-bench',
  functionName: 'cold-bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:cold-bench',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/cold-bench',
  logStreamName: 'cold-bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done() {},
  fail() {},
  succeed() {},
};
const start = performance.now();
const module = await import(pathToFileURL(bundle).href);
const imported = performance.now();
// A handler that throws on the bench's event (a trigger whose source is not set up here) still
// had its cold start: the time counts, and the status says it threw.
let result;
let threw;
try {
  result = await module.handler(JSON.parse(eventJson), context);
} catch (error) {
  threw = error instanceof Error ? error.name : 'error';
}
const end = performance.now();
const status =
  threw !== undefined
    ? `threw:${threw}`
    : (result?.statusCode ??
      (Array.isArray(result?.batchItemFailures) ? `failures:${result.batchItemFailures.length}` : 'ok'));
process.stdout.write(
  `\nCOLD ${JSON.stringify({ importMs: imported - start, invokeMs: end - imported, status })}\n`,
);
