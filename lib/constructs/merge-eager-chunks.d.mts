import type { Metafile, Plugin } from 'esbuild';

/** Folds a split build's eager chunks into its entry, updating `metafile` (see ./merge-eager-chunks.mjs). */
export declare function mergeEagerChunks(options: {
  metafile: Metafile;
  outdir: string;
  absWorkingDir: string;
  initial: {
    entryPoints?: unknown;
    platform?: string;
    target?: string | string[];
    minify?: boolean;
    banner?: { js?: string };
  };
}): Promise<void>;

/** The plugin that runs `mergeEagerChunks` at the end of a split build. */
export declare function mergeEagerChunksPlugin(): Plugin;
