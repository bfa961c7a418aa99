/**
 * The `tally` CLI (run through bin/tally.js, which registers tsx so no build step is needed).
 *
 *   tally dev [--port N] [--host H] [--in-memory] [--data-dir DIR] [--auth]
 *   tally token --scope SCOPE... [--wallet ID]... [--ttl 1h] [--data-dir DIR]
 *   tally rules check <file|dir>...
 *   tally rules publish <file|dir> [--url URL | --table NAME]
 *   tally replay [--wallet ID] [--dry-run] [--json] [--url URL] [--token TOKEN]
 *   tally backtest <file|dir> [--wallet ID]... [--from TIME] [--to TIME] [--apply --version N] [--json]
 *   tally events tail [--from-start] [--json] [--url URL] [--token TOKEN]
 *   tally help [COMMAND]
 *
 * Exit codes: 0 done, 1 failed, 2 usage error. Subcommands live in COMMANDS; one entry each. The
 * shared pieces (the I/O a command gets, argument parsing, usage errors) are in functions/cli/.
 */
import { DynamoDbLocalError } from '#adapters/local/dynamodb-local.ts';
import { OpenAdminRoutesError, PortInUseError } from '#adapters/local/runtime.ts';
import { TableSetupError } from '#adapters/local/table.ts';
import { backtestCommand } from '../functions/cli/backtest.ts';
import {
  type Command,
  commandHelp,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
  runCommand,
  stringValue,
  UsageError,
  type Values,
} from '../functions/cli/command.ts';
import { devCommand } from '../functions/cli/dev.ts';
import { eventsCommand } from '../functions/cli/events.ts';
import { replayCommand } from '../functions/cli/replay.ts';
import { tokenCommand } from '../functions/cli/token.ts';

const COMMANDS: Record<string, Command> = {
  dev: devCommand,
  rules: {
    summary: 'check rule files, or publish one to a running Tally (no redeploy)',
    usage: [
      'tally rules check <file|dir>...',
      'tally rules publish <file|dir> [--url URL | --table NAME]',
      '',
      '  check           compile each file; print every error as file:line:column: message',
      '  publish         make the file the active rule set (a new version; running functions pick it up within seconds)',
      '  --url URL       the Tally API to PUT /rules to (env TALLY_URL; default http://localhost:8080);',
      '                  sends Authorization: Bearer $TALLY_ADMIN_TOKEN when that is set',
      '  --table NAME    write straight to this DynamoDB table with your AWS credentials instead',
      '                  (TALLY_DYNAMODB_ENDPOINT points it at DynamoDB Local)',
      '',
      'A directory stands for its tally.rules.yaml, or for its only *.rules / *.rules.yaml file.',
    ].join('\n'),
    options: { url: { type: 'string' }, table: { type: 'string' } },
    positionals: true,
    run: runRules,
  },
  replay: replayCommand,
  token: tokenCommand,
  backtest: backtestCommand,
  events: eventsCommand,
  help: {
    summary: 'show this help, or a command’s',
    usage: 'tally help [COMMAND]',
    options: {},
    positionals: true,
    run: async (_values, positionals, io) => {
      const [name] = positionals;
      if (name === undefined) {
        io.out(generalHelp());
        return EXIT_OK;
      }
      const command = COMMANDS[name];
      if (command === undefined) throw new UsageError(`unknown command "${name}"`);
      io.out(commandHelp(name, command));
      return EXIT_OK;
    },
  },
};

async function runRules(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action, ...targets] = positionals;
  if (action !== 'check' && action !== 'publish') throw new UsageError('say "check" or "publish"');
  if (targets.length === 0) throw new UsageError(`rules ${action} needs a file or a directory`);
  const { loadRuleFile } = await import('../functions/cli/rules-file.ts');
  const { sha256Hex } = await import('#adapters/dynamodb/event-hash.ts');

  if (action === 'check') return checkRules(targets, io);

  if (targets.length !== 1) throw new UsageError('publish takes one file or directory');
  const { shown, text, errors } = await loadRuleFile(targets[0] as string, io.cwd);
  if (errors.length > 0) {
    for (const line of errors) io.err(line);
    return EXIT_FAILED;
  }
  const table = stringValue(values, 'table');
  if (table !== undefined) {
    const { createDocumentClient } = await import('#adapters/dynamodb/client.ts');
    const { DynamoRuleSetStore } = await import('#adapters/dynamodb/rule-sets.ts');
    const { ENV } = await import('#lib/wiring.ts');
    // The CLI is a composition root: it reads DynamoDB Local's endpoint, if any, from the wiring's name.
    const endpoint = process.env[ENV.dynamodbEndpoint] || undefined;
    const store = new DynamoRuleSetStore(
      createDocumentClient(endpoint === undefined ? {} : { endpoint }),
      table,
    );
    const outcome = await store.publish({
      text,
      textHash: sha256Hex(text),
      publishedAtMs: Date.now(),
      source: shown,
    });
    if (outcome.kind === 'conflict') {
      io.err('tally rules publish: another publish won the race; run it again');
      return EXIT_FAILED;
    }
    io.out(
      `${shown}: ${outcome.kind === 'published' ? 'published as' : 'already active as'} version ${outcome.ruleSet.version}`,
    );
    return EXIT_OK;
  }
  const url = stringValue(values, 'url') ?? io.env.TALLY_URL ?? 'http://localhost:8080';
  const token = io.env.TALLY_ADMIN_TOKEN;
  const response = await io.fetch(`${url.replace(/\/$/, '')}/rules?source=${encodeURIComponent(shown)}`, {
    method: 'PUT',
    headers: { 'content-type': 'text/plain', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: text,
  });
  const body = await response.text();
  if (!response.ok) {
    io.err(`tally rules publish: ${response.status} ${body}`);
    return EXIT_FAILED;
  }
  const version = (JSON.parse(body) as { version?: number }).version;
  io.out(
    `${shown}: ${response.status === 201 ? 'published as' : 'already active as'} version ${version} on ${url}`,
  );
  return EXIT_OK;
}

/** `tally rules check`: compiles each file and prints every error as file:line:column: message. */
async function checkRules(targets: string[], io: Io): Promise<number> {
  const { loadRuleFile } = await import('../functions/cli/rules-file.ts');
  let failed = 0;
  for (const target of targets) {
    const { shown, compiled, errors } = await loadRuleFile(target, io.cwd);
    if (compiled.ok) {
      const { rules, flag } = compiled.ruleSet;
      io.out(
        `${shown}: ok — ${rules.length} rule(s); ${flag.id}: > ${Number(flag.thresholdMinor) / 100} within ${flag.windowMs / 1000} s`,
      );
    } else {
      failed++;
      for (const line of errors) io.err(line);
    }
  }
  return failed === 0 ? EXIT_OK : EXIT_FAILED;
}

function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return [
    'Usage: tally <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'tally help <command> for its options.',
    '',
  ].join('\n');
}

/** Runs the CLI and returns its exit code; expected failures print one clear line, not a stack. */
async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.out(generalHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`tally: unknown command "${name}"\n\n${generalHelp()}`);
    return EXIT_USAGE;
  }
  try {
    return await runCommand(name, command, rest, io);
  } catch (error) {
    if (
      error instanceof PortInUseError ||
      error instanceof OpenAdminRoutesError ||
      error instanceof DynamoDbLocalError ||
      error instanceof TableSetupError
    ) {
      io.err(`tally ${name}: ${error.message}`);
      return EXIT_FAILED;
    }
    io.err(`tally ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  fetch: globalThis.fetch,
  progress: process.stderr,
});
