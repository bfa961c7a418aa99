import type { Plugin } from 'esbuild';

/** The runtime-provided packages loaded with `require`, not `import` (see ./require-runtime-modules.mjs). */
export declare function requireRuntimeModules(patterns: readonly string[]): Plugin;
