import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoJobStore } from '#adapters/dynamodb/jobs.ts';
import { LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { ENV, FUNCTIONS } from '#lib/wiring.ts';
import { PROJECT_ROOT } from '../../bench/cold/build.ts';
import { adoptEnv } from '../../bench/cold/seed.ts';
import { type ColdWorld, startColdWorld } from '../../bench/cold/world.ts';
import { lambdaContext } from '../support/http.ts';

/**
 * `npm run bench:cold` times a function's import and first call; the first call is meant to take
 * the function's working path, as a deployment's does, not a refusal (a 404 for what nobody made,
 * a 401 for an unsigned webhook), which costs less. Here, in this process (no bundles), every
 * wiring function's handler gets the first event the bench's world hands it (bench/cold/world.ts:
 * its own DynamoDB Local, SQS and stand-in EventBridge), twice, as the bench's runs do, and must
 * answer as its success: a 2xx, no failed batch item, or no answer at all (a trigger's `ok`); and
 * run-jobs' page must have run.
 */

let world: ColdWorld;

beforeAll(async () => {
  world = await startColdWorld(() => {});
  // The environment a function's process gets (its table, queues, bus, keys), as in the bench.
  adoptEnv(world.env);
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

/** A first call's outcome as bench/cold/child.mjs writes it into `firstCallStatus`. */
function statusOf(result: unknown): string {
  const answer = result as { statusCode?: number; batchItemFailures?: unknown[] } | undefined;
  if (answer?.statusCode !== undefined) return String(answer.statusCode);
  return Array.isArray(answer?.batchItemFailures) ? `failures:${answer.batchItemFailures.length}` : 'ok';
}

describe("the cold bench's world: every first call takes its function's working path", () => {
  it.each(FUNCTIONS.map((spec) => [spec.name, spec.entry] as const))(
    '%s answers its first event (twice) with its success',
    async (name, entry) => {
      const { handler } = (await import(
        /* @vite-ignore */ pathToFileURL(path.join(PROJECT_ROOT, entry)).href
      )) as {
        handler: (event: unknown, context: Context) => Promise<unknown>;
      };
      for (let run = 0; run < 2; run++) {
        const event: unknown = JSON.parse(await world.firstEventOf(name));
        const result = await handler(event, lambdaContext);
        const status = statusOf(result);
        expect(
          status === 'ok' || status === 'failures:0' || /^2\d\d$/.test(status),
          `${name}: ${status}`,
        ).toBe(true);
        if (name === 'run-jobs') await expectPageRun(event);
        await world.projectViews();
      }
    },
    60_000,
  );
});

/**
 * run-jobs answers no failed item for a job that does not exist as well (the page is dropped as
 * `not-found`): its page must have run, the job's segment moved past it.
 */
async function expectPageRun(event: unknown): Promise<void> {
  const { Records } = event as { Records: { body: string }[] };
  const message = JSON.parse(Records[0]?.body ?? '{}') as { jobId: string; segment: number; page: number };
  const { [ENV.dynamodbEndpoint]: endpoint, [ENV.tableName]: table } = world.env;
  if (endpoint === undefined || table === undefined) throw new Error('the cold world sets no table');
  const jobs = new DynamoJobStore(createDocumentClient({ endpoint, region: LOCAL_REGION }), table);
  const segment = (await jobs.get(message.jobId))?.segments.find((each) => each.segment === message.segment);
  expect(segment?.page, `run-jobs: job ${message.jobId}'s segment ${message.segment}`).toBe(message.page + 1);
}
