import { defineConfig } from 'vite';

/**
 * The operator console: Preact with its automatic JSX runtime, compiled by Vite's own transformer
 * (no Babel plugin: the console is built, not served by a dev server, so Fast Refresh buys nothing).
 * Served under /console/ by `tally dev` and by CloudFront; no CDN at run time, everything is bundled.
 */
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 400 },
  logLevel: 'warn',
});
