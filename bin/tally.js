#!/usr/bin/env node
// The `tally` executable. The CLI is TypeScript (bin/tally.ts); tsx compiles it and everything it
// imports on the fly, so there is no build step between editing a handler and running it.
import { register } from 'tsx/esm/api';

// Set before any AWS SDK module loads: on Node 20 the SDK warns at every start otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `tally dev --log-level L`: the functions' one logger reads POWERTOOLS_LOG_LEVEL when its module
// loads, which is before the command line is parsed, so the level is set here (dev.ts checks it).
const levelAt = process.argv.findIndex((arg) => arg === '--log-level' || arg.startsWith('--log-level='));
if (levelAt >= 0) {
  const arg = process.argv[levelAt];
  const level = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : process.argv[levelAt + 1];
  if (level !== undefined) process.env.POWERTOOLS_LOG_LEVEL = level.trim().toUpperCase();
}

register();
await import('./tally.ts');
