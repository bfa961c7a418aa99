import * as path from 'node:path';
import { DEFAULT_OTLP_URL } from '#adapters/local/local-tracing.ts';
import { ENV } from '#lib/wiring.ts';
import { prepareConsole } from '#local/console-assets.ts';
import type { LocalAuthMode } from '#local/local-authorizer.ts';
import { type LocalRuntime, REPO_ROOT, startLocalRuntime } from '#local/runtime.ts';
import {
  type Command,
  dataDirOf,
  EXIT_FAILED,
  EXIT_OK,
  type Io,
  stringValue,
  UsageError,
  type Values,
} from './command.ts';

/** `tally dev` (what `npm start` runs): the whole system on this machine until Ctrl-C. */
export const devCommand: Command = {
  summary: 'run Tally on this machine: DynamoDB Local, the HTTP API and the stream projector',
  usage: [
    'tally dev [--port N] [--host H] [--in-memory] [--data-dir DIR] [--auth] [--rate-limit N] [--otel [URL]]',
    '          [--log-level LEVEL]',
    '',
    '  --port N        HTTP port (env PORT; default 8080)',
    '  --host H        address to listen on (default 127.0.0.1); another than loopback needs',
    '                  TALLY_ADMIN_TOKEN or --auth, so admin routes are not open to the network',
    '  --in-memory     keep no data: DynamoDB Local runs in memory',
    '  --data-dir DIR  keep data in DIR/dynamodb (env TALLY_DATA_DIR; default .tally in the current directory)',
    '  --auth          check tokens as API Gateway does (env TALLY_AUTH=jwt): every route needs a JWT',
    '                  with its scope from the local dev issuer (tally token), whose keys are in the data dir',
    '  --rate-limit N  at most N requests per second per client (bursts of 2N), 429 past it, as the',
    '                  deployed per-token WAF rule does (env TALLY_RATE_LIMIT; default no limit)',
    `  --otel [URL]    export traces (OTLP/HTTP) to a collector: Jaeger, Zipkin's or an OpenTelemetry`,
    `                  Collector (default ${DEFAULT_OTLP_URL}). Without it, POWERTOOLS_LOG_LEVEL=DEBUG`,
    '                  prints one summary line per trace',
    "  --log-level L   the functions' log level: debug, info, warn (default), error or silent",
    '                  (env POWERTOOLS_LOG_LEVEL); debug shows each applied account event with its state',
    '',
    'Needs Java 17+. DynamoDB Local is fetched once into ~/.cache/tally (or $TALLY_CACHE_DIR).',
  ].join('\n'),
  options: {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'in-memory': { type: 'boolean' },
    'data-dir': { type: 'string' },
    auth: { type: 'boolean' },
    'rate-limit': { type: 'string' },
    'log-level': { type: 'string' },
    // A flag with an optional value (`--otel` or `--otel URL`): the URL comes as a positional.
    otel: { type: 'boolean' },
  },
  positionals: true,
  run: runDev,
};

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** `--log-level L`: Powertools' level name (upper case) for the functions, or undefined to keep the env's. */
export function logLevelOf(values: Values): string | undefined {
  const text = stringValue(values, 'log-level');
  if (text === undefined) return undefined;
  const level = text.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`);
  }
  return level.toUpperCase();
}

function parsePort(text: string, source: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`${source} must be a port number from 0 to 65535, got "${text}"`);
  }
  return port;
}

/** `--rate-limit N`, else TALLY_RATE_LIMIT: requests per second per client; undefined for none. */
export function rateLimitOf(values: Values, env: NodeJS.ProcessEnv): number | undefined {
  const flag = stringValue(values, 'rate-limit');
  const text = flag ?? env.TALLY_RATE_LIMIT;
  if (text === undefined || text.trim() === '') return undefined;
  const perSecond = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(perSecond > 0)) {
    const source = flag === undefined ? 'TALLY_RATE_LIMIT' : '--rate-limit';
    throw new UsageError(`${source} must be a positive number of requests per second, got "${text}"`);
  }
  return perSecond;
}

/** `--auth`, else TALLY_AUTH (`jwt` or `off`). */
export function authModeOf(values: Values, env: NodeJS.ProcessEnv): LocalAuthMode {
  if (values.auth === true) return 'jwt';
  const fromEnv = (env.TALLY_AUTH ?? '').trim().toLowerCase();
  if (fromEnv === '' || fromEnv === 'off') return 'off';
  if (fromEnv === 'jwt') return 'jwt';
  throw new UsageError(`TALLY_AUTH must be "jwt" or "off", got "${env.TALLY_AUTH}"`);
}

/** The first line `tally dev` prints: whether anyone can call the routes, said before anything else. */
export function authBanner(mode: LocalAuthMode, env: NodeJS.ProcessEnv): string {
  const adminToken = Boolean(env[ENV.adminToken]);
  if (mode === 'jwt') {
    return (
      'AUTH ON (--auth): every route but the public ones (/health, /openapi.json, /docs, the signed payment webhook) needs a JWT with its scope from the local dev issuer ' +
      `(npx tally token --scope …)${adminToken ? '; admin routes also take TALLY_ADMIN_TOKEN' : ''}.`
    );
  }
  return adminToken
    ? 'AUTH OFF: wallet and event routes answer anyone without a token; admin routes need TALLY_ADMIN_TOKEN. ' +
        'Start with --auth to check tokens.'
    : 'AUTH OFF: every route answers anyone without a token, and ADMIN ROUTES ARE OPEN (no TALLY_ADMIN_TOKEN). ' +
        'Start with --auth to check tokens.';
}

/** `--otel [URL]`: the collector's OTLP/HTTP traces URL, or undefined without the flag. */
export function otelUrlOf(values: Values, positionals: readonly string[]): string | undefined {
  if (values.otel !== true) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return undefined;
  }
  if (positionals.length > 1) throw new UsageError('--otel takes one URL');
  const text = positionals[0] ?? DEFAULT_OTLP_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--otel must be an http(s) URL, e.g. ${DEFAULT_OTLP_URL}, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--otel must be an http(s) URL, e.g. ${DEFAULT_OTLP_URL}, got "${text}"`);
  }
  return url.href;
}

async function runDev(values: Values, positionals: string[], io: Io): Promise<number> {
  const portFlag = stringValue(values, 'port');
  const port =
    portFlag !== undefined
      ? parsePort(portFlag, '--port')
      : io.env.PORT
        ? parsePort(io.env.PORT, 'PORT')
        : 8080;
  const inMemory = values['in-memory'] === true;
  if (inMemory && stringValue(values, 'data-dir') !== undefined) {
    throw new UsageError('--in-memory and --data-dir exclude each other');
  }
  const dataDir = dataDirOf(values, io);
  const host = stringValue(values, 'host');
  const auth = authModeOf(values, io.env);
  const rateLimit = rateLimitOf(values, io.env);
  const otlpUrl = otelUrlOf(values, positionals);
  const logLevel = logLevelOf(values);
  // bin/tally.js already put it in the env before the functions' logger was created; this is
  // for a caller of runDev in-process (tests), and what reads the env later (trace summaries).
  if (logLevel !== undefined) process.env.POWERTOOLS_LOG_LEVEL = logLevel;
  io.out(authBanner(auth, io.env));

  const stopper = stopOnSignals(io);
  // The console at /console: built first when console/ changed since the last build.
  const consoleConfig = { apiUrl: '', auth: { kind: auth === 'jwt' ? 'dev-token' : 'off' } } as const;
  const site = await prepareConsole(path.join(REPO_ROOT, 'console'), consoleConfig, io.err);
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({
      site,
      port,
      ...(host === undefined ? {} : { host }),
      inMemory,
      dataDir,
      auth,
      ...(rateLimit === undefined ? {} : { rateLimitPerSecond: rateLimit }),
      ...(otlpUrl === undefined ? {} : { tracing: { otlpUrl } }),
      log: io.err,
    });
  } catch (error) {
    // Without setpriv, Ctrl-C reaches the JVM too (same process group), which then fails the
    // start: not an error.
    if (stopper.requested()) return EXIT_OK;
    throw error;
  }
  if (stopper.requested()) {
    await runtime.stop();
    return EXIT_OK;
  }
  stopper.started(runtime);
  io.out(runningText(runtime, { inMemory, dataDir, cwd: io.cwd }));
  // Runs until a signal: the HTTP server keeps the event loop alive, the signal handler exits.
  await new Promise<never>(() => undefined);
  return EXIT_OK;
}

/**
 * Ctrl-C (or SIGTERM) stops the runtime and exits; a second one exits at once (the JVM dies with
 * us). Installed before anything starts, so a signal during start-up also leaves nothing behind.
 */
function stopOnSignals(io: Io): { requested(): boolean; started(runtime: LocalRuntime): void } {
  let runtime: LocalRuntime | undefined;
  let stopRequested = false;
  const stop = (running: LocalRuntime) =>
    running.stop().then(
      () => process.exit(EXIT_OK),
      (error: unknown) => {
        io.err(`tally dev: stopping failed: ${String(error)}`);
        process.exit(EXIT_FAILED);
      },
    );
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    io.err(`\n${signal}: stopping…`);
    if (runtime !== undefined) void stop(runtime); // else start-up is running; it checks requested()
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested: () => stopRequested,
    started: (started) => {
      runtime = started;
    },
  };
}

/** What `tally dev` prints once running: where the API, the store and the queues are, and what to try. */
export function runningText(
  runtime: Pick<
    LocalRuntime,
    'port' | 'auth' | 'endpoint' | 'tableName' | 'sqsEndpoint' | 'eventsQueueUrl' | 'eventsDlqUrl'
  >,
  input: { inMemory: boolean; dataDir: string; cwd: string },
): string {
  const base = `http://localhost:${runtime.port}`;
  const storage = input.inMemory
    ? 'in memory (nothing is kept)'
    : `${path.relative(input.cwd, path.join(input.dataDir, 'dynamodb')) || '.'} (kept between runs)`;
  const jwt = runtime.auth === 'jwt';
  const bearer = (scope: string) =>
    jwt ? ` -H "Authorization: Bearer $(npx tally token --scope ${scope})"` : '';
  return [
    `Tally is running on ${base}`,
    `  console ${base}/console`,
    `  DynamoDB Local ${runtime.endpoint}, table ${runtime.tableName}, data ${storage}`,
    // What POST /events answered 202 for waits here; an event that fails its rules lands in the DLQ.
    `  SQS (local) ${runtime.sqsEndpoint}: events queue ${runtime.eventsQueueUrl}, dead letters ${runtime.eventsDlqUrl}`,
    ...(jwt ? [`  tokens: npx tally token --scope SCOPE; JWKS at ${base}/.well-known/jwks.json`] : []),
    'Try:',
    `  curl${bearer('wallets:write')} -X POST -d '{"WalletID": "walletID001", "Amount": 8000}' ${base}/deposit`,
    `  curl${bearer('wallets:read')} ${base}/details/walletID001`,
    `  curl${bearer('events:write')} -X POST -d '{"specversion": "1.0", "id": "like-001", "source": "qa-app", "type": "answer_is_liked", "subject": "walletID001"}' ${base}/events`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
