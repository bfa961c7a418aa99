// One cold start, in a fresh process: import the bundle, call its handler once, print the times.
// Plain JavaScript run by plain node (no tsx loader), as Lambda runs the bundle.
// `TALLY_COLD_TRACE=1` (bench/cold/profile.ts only, never the bench) also prints every HTTP request
// the call sends and every module file it loads, so a profile can say what a first call costs.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, eventJson] = process.argv.slice(2);
const trace = process.env.TALLY_COLD_TRACE === '1';
const requests = [];
if (trace) {
  const channels = await import('node:diagnostics_channel');
  channels.subscribe('http.client.request.start', ({ request }) => {
    const started = performance.now();
    const entry = {
      at: started,
      target: request.getHeader('x-amz-target') ?? `${request.method} ${request.path}`,
      ms: 0,
    };
    requests.push(entry);
    request.once('response', (response) =>
      response.once('end', () => (entry.ms = performance.now() - started)),
    );
  });
}
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
const startCpu = process.cpuUsage();
const module = await import(pathToFileURL(bundle).href);
const imported = performance.now();
const importedCpu = process.cpuUsage();
// The clock of V8's CPU profiles (µs), to split a `--cpu-prof` profile into import and first call.
const importedUs = Number(process.hrtime.bigint() / 1000n);
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
const endCpu = process.cpuUsage();
const cpuMs = (from, to) => (to.user - from.user + to.system - from.system) / 1000;
const status =
  threw !== undefined
    ? `threw:${threw}`
    : (result?.statusCode ??
      (Array.isArray(result?.batchItemFailures) ? `failures:${result.batchItemFailures.length}` : 'ok'));
const timing = {
  importMs: imported - start,
  invokeMs: end - imported,
  status,
  importCpuMs: cpuMs(startCpu, importedCpu),
  invokeCpuMs: cpuMs(importedCpu, endCpu),
};
if (trace) {
  timing.importedUs = importedUs;
  timing.requests = requests.map((entry) => ({ ...entry, at: entry.at - imported }));
  const { createRequire } = await import('node:module');
  timing.builtins = process.moduleLoadList
    .filter((name) => name.startsWith('NativeModule '))
    .map((name) => name.slice('NativeModule '.length));
  timing.require = Object.keys(createRequire(import.meta.url).cache);
}
process.stdout.write(`\nCOLD ${JSON.stringify(timing)}\n`);
