// An esbuild plugin, shared by the stack's split build (./split-build.mjs) and by the bench
// (./bundling.ts puts it in TALLY_ESBUILD_OPTIONS). Plain JavaScript: split-build.mjs runs under
// `node`, no loader. Types: ./merge-eager-chunks.d.mts.
//
// With code splitting, esbuild moves every module that the entry and a lazy chunk (`import()`)
// both reach into shared chunks, which `index.mjs` imports statically: a cold start loads the
// entry and five to ten such files. Each ES module file costs Node's loader a resolve, a read, a
// parse, a link and an instantiation of its own: about 7 ms of CPU per cold start for details'
// six (measured: the same code, one file against seven, 12 runs each). This plugin, after the
// split build, folds those eager chunks into `index.mjs`, so a cold start loads one file, and the
// lazy chunks stay lazy:
// - `index.mjs` is rebuilt from the split output (esbuild again, no splitting): the entry's own
//   exports, plus every eager chunk's exports under a name of its own (`_<chunk number><name>`), which
//   the lazy chunks import from it. `import()`s stay external, so the lazy chunks are still read
//   only when their path runs.
// - each lazy chunk that imported an eager chunk is rebuilt to import the same bindings from
//   `index.mjs` instead: one instance of every module, as before (a second copy would split
//   module state such as caches and the logger).
// - the source maps follow (each input's map is chained through), as do the legal comments.
// The metafile is updated to the files written, so what reads it (the bench's sizes, the bundle
// tests) sees one eager file. Nothing is moved between eager and lazy: the same code loads at a
// cold start, from one file instead of several.

import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { withoutUnusedBanner } from './require-runtime-modules.mjs';

const SHIM = 'merge-eager-chunk';

/** The esbuild options a rebuild keeps from the split build (what shapes the emitted code). */
function rebuildOptions(initial) {
  return {
    bundle: true,
    format: 'esm',
    platform: initial.platform,
    target: initial.target,
    minify: initial.minify,
    treeShaking: true,
    sourcemap: 'external',
    legalComments: 'external',
    write: false,
    allowOverwrite: true,
    metafile: true,
    logLevel: 'silent',
    ...(initial.banner?.js ? { banner: { js: initial.banner.js } } : {}),
  };
}

/**
 * A split output's code with its external map attached, so that a rebuild chains it, and without
 * the `require` banner (its line is kept, empty, for the map): the rebuild adds it once, on top.
 */
async function withMap(file, banner) {
  const read = await readFile(file, 'utf8');
  const code = banner && read.startsWith(banner) ? read.slice(banner.length) : read;
  let map;
  try {
    map = await readFile(`${file}.map`);
  } catch {
    return code;
  }
  return `${code}\n//# sourceMappingURL=data:application/json;base64,${map.toString('base64')}\n`;
}

/**
 * Writes a rebuild's code and map, and returns the code's bytes. Its inputs hold no legal comments
 * (the split build took them out to `.LEGAL.txt` files, which the merge keeps).
 */
async function writeOutputs(result, banner) {
  let bytes = 0;
  for (const output of result.outputFiles) {
    if (output.path.endsWith('.LEGAL.txt')) continue;
    if (output.path.endsWith('.map')) {
      await writeFile(output.path, output.contents);
      continue;
    }
    // As the split build does (require-runtime-modules.mjs): no banner on code that never names `require`.
    const code = (banner && withoutUnusedBanner(output.text, banner)) ?? output.text;
    await writeFile(output.path, code);
    bytes = Buffer.byteLength(code);
  }
  return bytes;
}

/**
 * Folds the split build's eager chunks into its entry (see above). `metafile` is the split build's,
 * updated in place; `outdir` and `absWorkingDir` are its options.
 */
export async function mergeEagerChunks({ metafile, outdir, absWorkingDir, initial }) {
  const abs = (key) => resolve(absWorkingDir, key);
  const outputs = metafile.outputs;
  // The build's entry (a lazy chunk, made for an `import()`, has an `entryPoint` too).
  const entries = Array.isArray(initial.entryPoints) ? initial.entryPoints : [];
  if (entries.length !== 1 || typeof entries[0] !== 'string') return;
  const entryPoint = abs(entries[0]);
  const entryKey = Object.keys(outputs).find(
    (key) => outputs[key].entryPoint !== undefined && abs(outputs[key].entryPoint) === entryPoint,
  );
  if (entryKey === undefined) throw new Error(`merge-eager-chunks: no output for ${entryPoint}`);
  // Everything index.mjs reaches by static imports (the chunks a cold start loads).
  const eager = [];
  const visit = (key) => {
    for (const imported of outputs[key]?.imports ?? []) {
      if (imported.external || imported.kind !== 'import-statement') continue;
      if (imported.path === entryKey || eager.includes(imported.path)) continue;
      eager.push(imported.path);
      visit(imported.path);
    }
  };
  visit(entryKey);
  if (eager.length === 0) return;
  const eagerFiles = new Map(
    eager.map((key, index) => [abs(key), { key, index, exports: outputs[key]?.exports ?? [] }]),
  );
  // Minified names never start with a digit: `_<chunk><name>` cannot collide.
  const alias = (index, name) => `_${index}${name}`;
  const entryFile = abs(entryKey);
  const entryName = `./${basename(entryFile)}`;
  const dir = resolve(absWorkingDir, outdir);
  const banner = initial.banner?.js;
  const isChunk = (path) => path.startsWith('./') && !path.includes('/', 2);

  // 1. index.mjs: the entry and its eager chunks in one file, their exports named for the lazy chunks.
  const named = (names, from, rename) =>
    names.length === 0 ? '' : `export { ${names.map(rename).join(', ')} } from ${JSON.stringify(from)};\n`;
  const root =
    named(outputs[entryKey].exports, entryName, (name) => name) +
    eager
      .map((key, index) =>
        named(outputs[key].exports, `./${basename(abs(key))}`, (name) => `${name} as ${alias(index, name)}`),
      )
      .join('');
  const merged = await build({
    ...rebuildOptions(initial),
    stdin: { contents: root, resolveDir: dir, sourcefile: '<eager chunks>', loader: 'js' },
    outfile: entryFile,
    plugins: [
      {
        name: SHIM,
        setup(rebuild) {
          rebuild.onResolve({ filter: /.*/ }, (args) => {
            // The split output's own files are bundled; `import()`s and packages stay as they were.
            if (args.kind === 'dynamic-import' || !isChunk(args.path))
              return { path: args.path, external: true };
            return { path: join(args.resolveDir, args.path) };
          });
          rebuild.onLoad({ filter: /\.m?js$/ }, async (args) => ({
            contents: await withMap(args.path, banner),
            loader: 'js',
          }));
        },
      },
    ],
  });
  let legal = '';
  for (const file of [entryFile, ...eagerFiles.keys()]) {
    legal += await readFile(`${file}.LEGAL.txt`, 'utf8').catch(() => '');
  }
  const mergedBytes = await writeOutputs(merged, banner);
  await rm(`${entryFile}.LEGAL.txt`, { force: true });
  if (legal !== '') await writeFile(`${entryFile}.LEGAL.txt`, legal);

  // 2. Every other chunk imports what it took from an eager chunk from index.mjs instead.
  const entryOutput = outputs[entryKey];
  for (const [file, { key }] of eagerFiles) {
    const chunk = outputs[key];
    for (const [input, info] of Object.entries(chunk.inputs)) {
      const into = entryOutput.inputs[input] ?? { bytesInOutput: 0 };
      into.bytesInOutput += info.bytesInOutput;
      entryOutput.inputs[input] = into;
    }
    for (const imported of chunk.imports) {
      if (!eager.includes(imported.path) && imported.path !== entryKey) entryOutput.imports.push(imported);
    }
    delete outputs[key];
    delete outputs[`${key}.map`];
    await rm(file, { force: true });
    await rm(`${file}.map`, { force: true });
    await rm(`${file}.LEGAL.txt`, { force: true });
  }
  entryOutput.imports = entryOutput.imports.filter((imported) => !eager.includes(imported.path));
  entryOutput.bytes = mergedBytes;
  for (const [key, output] of Object.entries(outputs)) {
    if (key === entryKey || !/\.m?js$/.test(key)) continue;
    if (!output.imports.some((imported) => eager.includes(imported.path))) continue;
    const file = abs(key);
    const rebuilt = await build({
      ...rebuildOptions(initial),
      entryPoints: [file],
      outfile: file,
      plugins: [
        {
          name: SHIM,
          setup(rebuild) {
            rebuild.onResolve({ filter: /.*/ }, (args) => {
              if (args.kind === 'entry-point') return { path: args.path };
              const target = isChunk(args.path) ? join(args.resolveDir, args.path) : undefined;
              if (args.kind === 'import-statement' && target !== undefined && eagerFiles.has(target))
                return { path: target, namespace: SHIM };
              return { path: args.path, external: true };
            });
            rebuild.onLoad({ filter: /.*/, namespace: SHIM }, (args) => {
              const { index, exports: names } = eagerFiles.get(args.path);
              return {
                contents:
                  names.length === 0
                    ? `import ${JSON.stringify(entryName)};`
                    : `export { ${names.map((name) => `${alias(index, name)} as ${name}`).join(', ')} } from ${JSON.stringify(entryName)};`,
                resolveDir: dirname(file),
                loader: 'js',
              };
            });
            rebuild.onLoad({ filter: /\.m?js$/ }, async (args) => ({
              contents: await withMap(args.path, banner),
              loader: 'js',
            }));
          },
        },
      ],
    });
    output.bytes = await writeOutputs(rebuilt, banner);
    const imports = output.imports.filter((imported) => !eager.includes(imported.path));
    if (imports.length !== output.imports.length)
      imports.push({ path: entryKey, kind: 'import-statement', original: entryName });
    output.imports = imports;
  }
}

/** @returns {import('esbuild').Plugin} */
export function mergeEagerChunksPlugin() {
  return {
    name: 'merge-eager-chunks',
    setup(split) {
      // The merge reads what the split build wrote from its metafile.
      split.initialOptions.metafile = true;
      split.onEnd(async (result) => {
        const { outdir, write, splitting, absWorkingDir = process.cwd() } = split.initialOptions;
        if (result.errors.length > 0 || outdir === undefined || write === false || splitting !== true) return;
        if (result.metafile === undefined) return;
        await mergeEagerChunks({
          metafile: result.metafile,
          outdir,
          absWorkingDir,
          initial: split.initialOptions,
        });
      });
    },
  };
}
