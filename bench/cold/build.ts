/**
 * Builds one function bundle exactly as the stack does: esbuild with the shared options of
 * lib/constructs/bundling.ts (the one definition; TallyFunction translates the same object).
 */
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { TALLY_ESBUILD_OPTIONS } from '#lib/constructs/bundling.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Bundles land under node_modules/.cache so that, like the runtime's `/var/task/index.mjs`, they
 * resolve the external `@aws-sdk/*` packages from an installed copy (ours, in node_modules).
 */
export const BUNDLE_ROOT = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'tally-bench-cold');

/** The tree of commit `ref` unpacked afresh at `dir` (`git archive`): a `--before` to build from. */
export async function unpackCommit(ref: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await promisify(execFile)('sh', ['-c', `git archive "$0" | tar -x -C "$1"`, ref, dir], {
    cwd: PROJECT_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface BuiltBundle {
  file: string;
  /**
   * What a cold start reads and parses: `index.mjs` and the chunks it imports statically (source
   * maps are not loaded unless an error is printed). Chunks reached only by `await import()` are
   * in `lazyBytes`.
   */
  bytes: number;
  /** The chunks loaded only when a lazy path runs (`await import()`), e.g. the X-Ray tracer. */
  lazyBytes: number;
  /** Source files with code in the bundle (tree-shaken ones left out), relative to the project root. */
  inputs: string[];
  /** Bytes each source file adds to what a cold start loads (`bytes`), by source path. */
  eagerInputs: Record<string, number>;
  /** Import paths left external (resolved at run time). */
  externals: string[];
  /**
   * The external imports a cold start resolves: those of `index.mjs` and its static chunks
   * (`import` statements and `require` calls).
   */
  eagerExternals: string[];
  /**
   * Who imports each source file (from the metafile, tree-shaken or not), `(import())` marking a
   * dynamic import: why a module is in a bundle (`sizes.ts --why`).
   */
  importedBy: Record<string, string[]>;
}

/**
 * `bundleSdk: true` reproduces the bundling before the SDK was made external (`bundleAwsSDK: true`,
 * no externals): the "before" column of the bench, nothing the stack uses.
 */
export async function buildBundle(
  name: string,
  entry: string,
  options: { bundleSdk?: boolean; outRoot?: string; sourceRoot?: string } = {},
): Promise<BuiltBundle> {
  // `sourceRoot`: another checkout of the project (bench:cold --before), built with the same options.
  const root = options.sourceRoot ?? PROJECT_ROOT;
  const flavour = `${options.bundleSdk ? 'sdk-bundled' : 'lean'}${options.sourceRoot === undefined ? '' : '-before'}`;
  const outdir = path.join(options.outRoot ?? BUNDLE_ROOT, flavour, name);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  // A commit measured with --before is built with its own options (its bundling.ts), not ours.
  const shared: Record<string, unknown> =
    options.sourceRoot === undefined
      ? TALLY_ESBUILD_OPTIONS
      : (
          (await import(
            path.join(root, 'lib', 'constructs', 'bundling.ts')
          )) as typeof import('#lib/constructs/bundling.ts')
        ).TALLY_ESBUILD_OPTIONS;
  const split = shared.splitting === true;
  const file = path.join(outdir, 'index.mjs');
  const result = await build({
    ...shared,
    external: options.bundleSdk ? [] : [...(shared.external as string[])],
    absWorkingDir: root,
    entryPoints: [path.resolve(root, entry)],
    ...(split ? { outdir } : { outfile: file }),
    metafile: true,
    logLevel: 'error',
  });
  const outputs = result.metafile.outputs;
  const key = (absolute: string) => path.relative(root, absolute).split(path.sep).join('/');
  // Everything reachable from index.mjs by static imports is read at import time; the rest is lazy.
  const eager = new Set<string>();
  const visit = (name: string) => {
    if (eager.has(name) || outputs[name] === undefined) return;
    eager.add(name);
    for (const imported of outputs[name].imports) {
      if (!imported.external && imported.kind === 'import-statement') visit(imported.path);
    }
  };
  visit(key(file));
  const scripts = Object.entries(outputs).filter(([name]) => name.endsWith('.mjs') || name.endsWith('.js'));
  const externals = new Set<string>();
  const eagerExternals = new Set<string>();
  const inputs = new Set<string>();
  let bytes = 0;
  let lazyBytes = 0;
  const eagerInputs: Record<string, number> = {};
  for (const [name, output] of scripts) {
    if (eager.has(name)) {
      bytes += output.bytes;
      for (const [input, info] of Object.entries(output.inputs)) {
        eagerInputs[input] = (eagerInputs[input] ?? 0) + info.bytesInOutput;
      }
    } else lazyBytes += output.bytes;
    for (const imported of output.imports) {
      if (!imported.external) continue;
      externals.add(imported.path);
      // The runtime's SDK is loaded with `require` (bundling.ts), at the top level of the chunk
      // that imports it: a `require-call` in a chunk read at a cold start runs at that cold start.
      const loadsAtOnce = imported.kind === 'import-statement' || imported.kind === 'require-call';
      if (eager.has(name) && loadsAtOnce) eagerExternals.add(imported.path);
    }
    for (const [input, info] of Object.entries(output.inputs)) if (info.bytesInOutput > 0) inputs.add(input);
  }
  if (eager.size === 0) throw new Error(`${name}: esbuild wrote no ${key(file)}`);
  const importedBy: Record<string, string[]> = {};
  for (const [input, info] of Object.entries(result.metafile.inputs)) {
    for (const imported of info.imports) {
      if (imported.external) continue;
      const importers = importedBy[imported.path] ?? [];
      importers.push(imported.kind === 'dynamic-import' ? `${input} (import())` : input);
      importedBy[imported.path] = importers;
    }
  }
  return {
    file,
    bytes,
    lazyBytes,
    eagerInputs,
    inputs: [...inputs],
    externals: [...externals].sort(),
    importedBy,
    eagerExternals: [...eagerExternals].sort(),
  };
}
