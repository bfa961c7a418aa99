import { mergeConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

/**
 * The project's config with test/support/slow-machine.ts as a setup file: every test run as on a
 * slow, loaded machine (see that file).
 *
 *   npx vitest run --root . --config test/support/slow-machine.config.ts --project unit path/to/file
 */
export default mergeConfig(base, { test: { setupFiles: ['test/support/slow-machine.ts'] } });
