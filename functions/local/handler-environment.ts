/**
 * The environment the local host sets for the handlers it runs in its own process, as the stack
 * sets each Lambda's (lib/wiring.ts ENV).
 */
import { randomBytes } from 'node:crypto';
import { CHECKPOINT_KEY_ENV, CHECKPOINT_KEY_FILE_ENV } from '#adapters/hmac-signer.ts';
import { LOCAL_REGION } from '#adapters/local/dynamodb-local.ts';
import { ENV } from '#lib/wiring.ts';
import type { LocalQueues } from './local-queues.ts';
import { type LocalRuntimeOptions, persistentDir } from './runtime-options.ts';

/**
 * The environment the handlers read their configuration from, set before any handler module loads.
 * TALLY_ADMIN_TOKEN is not passed on: the local authorizer checks it before a handler runs, so
 * with `--auth` an admin-scoped token is not refused afterwards for not being that token.
 */
export function setHandlerEnvironment(
  options: LocalRuntimeOptions,
  config: { tableName: string; endpoint: string; queues: LocalQueues },
): void {
  Object.assign(process.env, {
    [ENV.tableName]: config.tableName,
    [ENV.dynamodbEndpoint]: config.endpoint,
    [ENV.sqsEndpoint]: config.queues.sqsEndpoint,
    [ENV.eventsQueueUrl]: config.queues.events.queueUrl,
    [ENV.eventsDlqUrl]: config.queues.events.dlqUrl,
    [ENV.jobsQueueUrl]: config.queues.jobs.queueUrl,
    [ENV.jobsDlqUrl]: config.queues.jobs.dlqUrl,
    AWS_REGION: LOCAL_REGION,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  // The sandbox payment provider keeps its intents in the data dir, where `tally pay` (another
  // process) finds and settles them; also with --in-memory, which concerns DynamoDB only.
  if (options.dataDir !== undefined) process.env[ENV.dataDir] = options.dataDir;
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_SERVICE_NAME ??= 'tally';
  // The /verify checkpoint key: kept beside the data when the data is kept, else one per process.
  const keyFile = persistentDir(options, 'checkpoint.key');
  if (keyFile !== undefined) process.env[CHECKPOINT_KEY_FILE_ENV] ??= keyFile;
  else process.env[CHECKPOINT_KEY_ENV] ??= randomBytes(32).toString('hex');
  Object.assign(process.env, options.env ?? {});
  delete process.env[ENV.adminToken];
}
