import type { Plugin } from 'esbuild';

/** The import lines of @middy/core that the plugin drops (see ./middy-lazy-web-streams.mjs). */
export declare const MIDDY_GLOBAL_IMPORTS: readonly string[];

/** middy's source without those imports (Node's globals are used); throws unless each is there once. */
export declare function withGlobalBuiltins(source: string, file?: string): string;

/** The esbuild plugin that loads @middy/core through `withGlobalBuiltins`. */
export declare function middyLazyWebStreams(): Plugin;
