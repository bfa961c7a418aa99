/**
 * The `tally` CLI (run through bin/tally.js, which registers tsx so no build step is needed).
 *
 *   tally dev [--port N] [--host H] [--in-memory] [--data-dir DIR] [--auth]
 *   tally token --scope SCOPE... [--wallet ID]... [--ttl 1h] [--data-dir DIR]
 *   tally rules check <file|dir>... [--allow-empty]
 *   tally rules publish <file|dir> [--url URL] [--token TOKEN] [--allow-empty] | [--table NAME]
 *   tally decision-rules check|publish <file> | show [--version N] | versions [--url URL] [--token TOKEN]
 *   tally replay [--wallet ID] [--dry-run] [--json] [--url URL] [--token TOKEN]
 *   tally republish --from TIME --to TIME [--json] [--url URL] [--token TOKEN]
 *   tally backtest <file|dir> [--wallet ID]... [--from TIME] [--to TIME] [--apply --version N] [--json] [--token T]
 *   tally events tail [--from-start] [--json] [--url URL] [--token TOKEN]
 *   tally pay succeed|fail <paymentId> [--url URL] [--data-dir DIR] [--json]
 *   tally help [COMMAND]
 *
 * Exit codes: 0 done, 1 failed, 2 usage error. Subcommands live in COMMANDS; one entry each. The
 * shared pieces (the I/O a command gets, argument parsing, usage errors) are in functions/cli/.
 */
import { DynamoDbLocalError } from '#adapters/local/dynamodb-local.ts';
import { OpenAdminRoutesError, PortInUseError } from '#local/runtime.ts';
import { TableSetupError } from '#local/table.ts';
import { backtestCommand } from '../functions/cli/backtest.ts';
import {
  type Command,
  commandHelp,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
  runCommand,
  UsageError,
} from '../functions/cli/command.ts';
import { deadLettersCommand } from '../functions/cli/dead-letters.ts';
import { decisionRulesCommand } from '../functions/cli/decision-rules.ts';
import { devCommand } from '../functions/cli/dev.ts';
import { eventsCommand } from '../functions/cli/events.ts';
import { payCommand } from '../functions/cli/pay.ts';
import { replayCommand } from '../functions/cli/replay.ts';
import { republishCommand } from '../functions/cli/republish.ts';
import { rulesCommand } from '../functions/cli/rules.ts';
import { tokenCommand } from '../functions/cli/token.ts';

const COMMANDS: Record<string, Command> = {
  dev: devCommand,
  rules: rulesCommand,
  'decision-rules': decisionRulesCommand,
  replay: replayCommand,
  republish: republishCommand,
  token: tokenCommand,
  backtest: backtestCommand,
  events: eventsCommand,
  pay: payCommand,
  dlq: deadLettersCommand,
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
