#!/usr/bin/env node
// The `tally` executable. The CLI is TypeScript (bin/tally.ts); tsx compiles it and everything it
// imports on the fly, so there is no build step between editing a handler and running it.
import { register } from 'tsx/esm/api';

// Set before any AWS SDK module loads: on Node 20 the SDK warns at every start otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('./tally.ts');
