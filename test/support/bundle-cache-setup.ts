import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * The unit project's global setup: one directory per run where the bundling tests share each
 * function's bundle (test/support/function-bundles.ts), removed when the run ends.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'tally-function-bundles-'));
  project.provide('bundleCacheDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
