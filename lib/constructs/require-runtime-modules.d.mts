import type { Plugin } from 'esbuild';

/** The runtime-provided packages loaded with `require`, not `import` (see ./require-runtime-modules.mjs). */
export declare function requireRuntimeModules(patterns: readonly string[]): Plugin;

/** `banner` + the file's code → the code alone when it never names `require`; undefined when the banner stays. */
export declare function withoutUnusedBanner(code: string, banner: string): string | undefined;

/** The virtual ES module that stands for runtime package `spec` (resolved from `resolveDir`): one `require`, each export a pure constant. */
export declare function runtimeModuleSource(spec: string, resolveDir: string): string;
