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
const result = await module.handler(JSON.parse(eventJson), context);
const end = performance.now();
const status =
  result?.statusCode ??
  (Array.isArray(result?.batchItemFailures) ? `failures:${result.batchItemFailures.length}` : 'ok');
process.stdout.write(
  `\nCOLD ${JSON.stringify({ importMs: imported - start, invokeMs: end - imported, status })}\n`,
);
