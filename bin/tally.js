#!/usr/bin/env node
// The `tally` executable. The CLI is TypeScript (bin/tally.ts); tsx compiles it and everything it
// imports on the fly, so there is no build step between editing a handler and running it.
import { register } from 'tsx/esm/api';

// Set before any AWS SDK module loads: on Node 20 the SDK warns at every start otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The functions' logger and metrics read their settings when their modules load, which is before
// any command line is parsed: so the local defaults (warnings and worse; no EMF metric lines on
// stdout, there is no CloudWatch here) and `tally dev --log-level L` are set here (dev.ts checks L).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const levelAt = process.argv.findIndex((arg) => arg === '--log-level' || arg.startsWith('--log-level='));
const levelArg = process.argv[levelAt];
const level =
  levelArg === undefined
    ? undefined
    : levelArg.includes('=')
      ? levelArg.slice(levelArg.indexOf('=') + 1)
      : process.argv[levelAt + 1];
if (level !== undefined) process.env.POWERTOOLS_LOG_LEVEL = level.trim().toUpperCase();
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

register();
await import('./tally.ts');
