import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * One project per kind of test, so `vitest run --project unit` stays fast and free of Java.
 * Integration and e2e tests share ONE DynamoDB Local (test/global-setup.ts): its setup runs only
 * for projects that have selected test files, and the JVM is started once for both (each test
 * file then uses its own table, so files run in parallel).
 */
const dynamodbLocal = ['test/global-setup.ts'];

// The global setup runs in this process and loads the AWS SDK, which warns on Node 20 otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    // One worker per CPU, not vitest's default of CPUs − 1: on a 2-core machine (CI here) that
    // default is one worker, and most files wait on DynamoDB Local, SQS or Chromium, not the CPU.
    // Measured on a fresh clone: vitest 546 s with 1 worker, 421 s with 2, all 2,370 tests passing.
    maxWorkers: availableParallelism(),
    testTimeout: 20_000,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/e2e/**', 'test/cdk/**', 'test/fuzz/**', 'test/browser/**'],
          // The bundling tests build each function's bundle once per run, in a directory it makes.
          globalSetup: ['test/support/bundle-cache-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cdk',
          include: ['test/cdk/**/*.test.ts'],
          // A worker imports aws-cdk-lib and the stack once for all its files, not once per file
          // (test/cdk/support.ts keeps no state a test changes). A synth takes 1–3 s, much more on a
          // busy CI machine: tests that synthesize inside `it` need room.
          isolate: false,
          testTimeout: 90_000,
          globalSetup: ['test/cdk/project-root-setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: dynamodbLocal },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: dynamodbLocal },
      },
      // Issue 10 §2: generated requests against every route, in process, on DynamoDB Local.
      {
        extends: true,
        test: { name: 'fuzz', include: ['test/fuzz/**/*.test.ts'], globalSetup: dynamodbLocal },
      },
      // Issue 14: the console in Debian's Chromium against `tally dev` (test/support/browser.ts).
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/browser-setup.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
