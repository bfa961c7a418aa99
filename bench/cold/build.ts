/**
 * Builds one function bundle exactly as the stack does: esbuild with the shared options of
 * lib/constructs/bundling.ts (the one definition; TallyFunction translates the same object).
 */
import { mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TALLY_ESBUILD_OPTIONS } from '#lib/constructs/bundling.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Bundles land under node_modules/.cache so that, like the runtime's `/var/task/index.mjs`, they
 * resolve the external `@aws-sdk/*` packages from an installed copy (ours, in node_modules).
 */
export const BUNDLE_ROOT = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'tally-bench-cold');

export interface BuiltBundle {
  file: string;
  /** The JavaScript file's size; the source map next to it is not loaded unless an error is printed. */
  bytes: number;
  /** Source files with code in the bundle (tree-shaken ones left out), relative to the project root. */
  inputs: string[];
  /** Import paths left external (resolved at run time). */
  externals: string[];
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
  await mkdir(outdir, { recursive: true });
  const file = path.join(outdir, 'index.mjs');
  const result = await build({
    ...TALLY_ESBUILD_OPTIONS,
    mainFields: [...TALLY_ESBUILD_OPTIONS.mainFields],
    external: options.bundleSdk ? [] : [...TALLY_ESBUILD_OPTIONS.external],
    absWorkingDir: root,
    entryPoints: [path.resolve(root, entry)],
    outfile: file,
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint !== undefined);
  const externals = new Set<string>();
  for (const imported of output?.imports ?? []) if (imported.external) externals.add(imported.path);
  return {
    file,
    bytes: (await stat(file)).size,
    inputs: Object.entries(output?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file]) => file),
    externals: [...externals].sort(),
  };
}
