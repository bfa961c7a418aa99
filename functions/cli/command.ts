/**
 * What every `tally` subcommand shares: its I/O (so tests run a command in-process with their own
 * writers, environment and fetch), its table entry, and how a command line becomes an exit code.
 */
import * as path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Io {
  /** Writes one line (or block) to stdout; a missing final newline is added. */
  out: (text: string) => void;
  /** Writes one line (or block) to stderr; a missing final newline is added. */
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  fetch: typeof fetch;
  /** Where progress bars are drawn (stderr); bars only when it is a TTY, plain lines on `err` otherwise. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Waits between polls; tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
}

export interface Command {
  summary: string;
  /** Usage lines after `tally <name>`, and option help. */
  usage: string;
  options: Options;
  /** Whether extra positional arguments are allowed. */
  positionals?: boolean;
  run(values: Values, positionals: string[], io: Io): Promise<number>;
}

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An expected failure (the server said no, it is not reachable): its message is printed as is, exit 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function commandHelp(name: string, command: Command): string {
  return `tally ${name}: ${command.summary}\n\nUsage: ${command.usage}\n`;
}

export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function stringValues(values: Values, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
}

/**
 * Runs one command on its arguments (after `tally <name>`): `--help` prints its help, a usage
 * mistake prints the usage (exit 2), a CliFailure prints its message (exit 1). Anything else is
 * thrown on, for the caller to report.
 */
export async function runCommand(name: string, command: Command, args: string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(commandHelp(name, command));
    return EXIT_OK;
  }
  try {
    const { values, positionals } = parseArgs({
      args,
      options: command.options,
      allowPositionals: command.positionals === true,
      strict: true,
    });
    return await command.run(values, positionals, io);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))) {
      io.err(`tally ${name}: ${(error as Error).message}\n\nUsage: ${command.usage}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CliFailure) {
      io.err(error.message);
      return EXIT_FAILED;
    }
    throw error;
  }
}

/**
 * The data dir `tally dev` keeps its data (and the dev issuer's keys) in, and `tally token` finds
 * the keys in: `--data-dir`, else TALLY_DATA_DIR, else `.tally` in the current directory.
 */
export function dataDirOf(values: Values, io: Pick<Io, 'env' | 'cwd'>): string {
  return path.resolve(io.cwd, stringValue(values, 'data-dir') ?? (io.env.TALLY_DATA_DIR || '.tally'));
}
