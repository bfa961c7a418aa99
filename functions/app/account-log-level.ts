/**
 * Whether account-log.ts would write anything: its lines are debug lines, off by default. A card
 * write (app/cards.ts) asks this first and loads account-log.ts, with `import()`, only when they
 * are on: their code is not at the accounts function's cold start.
 */

/** Where the lines go; Powertools' Logger fits (its debug is a no-op unless the level is DEBUG). */
export interface AccountLog {
  debug(message: string, extra: Record<string, unknown>): void;
  /** The level in force (Powertools'): the fold behind the lines is skipped when it hides them. */
  getLevelName?(): string;
}

const DEBUG_LEVELS = new Set(['TRACE', 'DEBUG']);

/** A log whose level shows debug lines, and events to tell of. */
export const accountLogOn = (log: AccountLog | undefined, events: readonly unknown[]): log is AccountLog =>
  log !== undefined &&
  events.length > 0 &&
  (log.getLevelName === undefined || DEBUG_LEVELS.has(log.getLevelName()));
