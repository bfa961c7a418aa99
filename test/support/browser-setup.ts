import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureConsoleBuilt } from '../../functions/local/console-assets.ts';
import { chromiumPath } from './browser.ts';

/**
 * The browser project's global setup: fails at once, saying how to install it, when Chromium is
 * missing, and builds the console once so that each test file's `tally dev` finds it fresh.
 */
export default async function setup(): Promise<void> {
  chromiumPath();
  const consoleDir = path.join(fileURLToPath(new URL('../..', import.meta.url)), 'console');
  await ensureConsoleBuilt(consoleDir, (line) => process.stderr.write(`${line}\n`));
}
