import type { DynamoDbLocal } from './dynamodb-local.ts';

export interface DatabaseWatchOptions {
  /** The emulator being watched. */
  database: DynamoDbLocal;
  /** Starts a new one (same port, same data dir), so the handlers' endpoint stays right. */
  restart: () => Promise<DynamoDbLocal>;
  /** Called with the new emulator once it answers: recreate the table, follow its stream. */
  restarted: (database: DynamoDbLocal) => Promise<void>;
  /** True once the runtime is stopping: an exit then is expected, not a crash. */
  stopping: () => boolean;
  /** Where the data lives, for the message: undefined in memory (then it is gone with the JVM). */
  dbPath: string | undefined;
  log: (line: string) => void;
  /** Restart attempts per crash before giving up with a message. @default 5 */
  attemptsMax?: number;
  /** Pause between attempts, doubled each time. @default 500 */
  backoffMs?: number;
}

/**
 * DynamoDB Local is a JVM beside the runtime; it can die on its own (out of memory, a stray
 * `kill`). While it is down every request gets a 503 problem with Retry-After (the store is
 * unreachable: http/unreachable.ts), and this watcher says so on the terminal and starts a new
 * one on the same port over the same data dir, so the runtime recovers without a restart of
 * `npm start`. Bounded: after `attemptsMax` failed starts it stops trying and says what to do.
 */
export function watchDatabase(options: DatabaseWatchOptions): { current: () => DynamoDbLocal } {
  let current = options.database;
  const attemptsMax = options.attemptsMax ?? 5;
  const backoffMs = options.backoffMs ?? 500;
  const watch = (database: DynamoDbLocal): void => {
    void database.exited.then(async ({ code, signal }) => {
      if (options.stopping()) return;
      const how = signal === null ? `exit code ${code}` : signal;
      const lost =
        options.dbPath === undefined
          ? 'its in-memory data is gone (start with a data dir to keep it)'
          : `its data in ${options.dbPath} is kept`;
      options.log(
        `DynamoDB Local (pid ${database.pid}) died (${how}); requests answer 503 store-unreachable until it is back; ${lost}. Restarting it on port ${database.port} …`,
      );
      for (let attempt = 1; attempt <= attemptsMax; attempt++) {
        if (options.stopping()) return;
        try {
          const next = await options.restart();
          if (options.stopping()) {
            await next.stop();
            return;
          }
          current = next;
          await options.restarted(next);
          options.log(`DynamoDB Local is back on ${next.endpoint} (pid ${next.pid}).`);
          watch(next);
          return;
        } catch (error) {
          options.log(`DynamoDB Local restart ${attempt} of ${attemptsMax} failed: ${String(error)}`);
          await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
        }
      }
      options.log(
        'DynamoDB Local could not be restarted; requests keep answering 503. Stop with Ctrl-C and run `npm start` again.',
      );
    });
  };
  watch(options.database);
  return { current: () => current };
}
