/**
 * Each wiring function's bundle, built ONCE per test run and shared by every bundling test file.
 *
 * The bundling tests read what a function's bundle holds (its inputs, its eager inputs, its
 * externals, the files esbuild wrote). They used to build the same 27 bundles again in each file,
 * and several files once per `describe`: about 150 esbuild builds a run for 27 different bundles.
 * Built bundles are never changed by a test, so one build per function serves them all.
 *
 * Across the test files (each in its own module instance, in one of several worker processes) the
 * build is shared through a directory that test/support/bundle-cache-setup.ts makes for the run
 * (`inject('bundleCacheDir')`): the first file that asks for a function takes its lock (an atomic
 * `mkdir`), builds it with the bench's builder (bench/cold/build.ts, the stack's esbuild options)
 * and writes what it found; the others wait for that file. Without the setup (a file run from a
 * project that does not have it) each file builds into its own directory, as before.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { type BuiltBundle, buildBundle } from '../../bench/cold/build.ts';
import { FUNCTIONS } from '../../lib/wiring.ts';

const inThisFile = new Map<string, Promise<BuiltBundle>>();
let ownDir: string | undefined;

function cacheDir(): string {
  const shared = inject('bundleCacheDir');
  if (shared !== undefined) return shared;
  ownDir ??= mkdtempSync(path.join(tmpdir(), 'tally-function-bundles-'));
  return ownDir;
}

/** How long a file waits for another file's build of the same function (a build takes seconds). */
const WAIT_MS = 5 * 60_000;

async function buildOnce(dir: string, name: string): Promise<BuiltBundle> {
  const spec = FUNCTIONS.find((candidate) => candidate.name === name);
  if (spec === undefined) throw new Error(`no wiring function ${name}`);
  const result = path.join(dir, `${name}.json`);
  const failure = path.join(dir, `${name}.error`);
  let builder = true;
  try {
    await mkdir(path.join(dir, `${name}.lock`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    builder = false;
  }
  if (builder) {
    try {
      const built = await buildBundle(name, spec.entry, { outRoot: path.join(dir, 'out') });
      await writeFile(`${result}.tmp`, JSON.stringify(built));
      await rename(`${result}.tmp`, result);
      return built;
    } catch (error) {
      await writeFile(failure, String((error as Error).stack ?? error));
      throw error;
    }
  }
  const deadline = Date.now() + WAIT_MS;
  while (!existsSync(result)) {
    if (existsSync(failure)) throw new Error(`building ${name} failed:\n${await readFile(failure, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`waited ${WAIT_MS} ms for another file's build of ${name}`);
    await sleep(50);
  }
  return JSON.parse(await readFile(result, 'utf8')) as BuiltBundle;
}

/** The bundle of wiring function `name`, as the stack builds it (built once per test run). */
export function functionBundle(name: string): Promise<BuiltBundle> {
  let found = inThisFile.get(name);
  if (found === undefined) {
    found = buildOnce(cacheDir(), name);
    inThisFile.set(name, found);
  }
  return found;
}
