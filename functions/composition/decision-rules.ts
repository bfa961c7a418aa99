import { systemClock } from '#adapters/clock.ts';
import { decisionRuleSetsFromEnv } from './rule-set-stores.ts';

/**
 * `/decision-rules`' dependencies: the decision rules' versions and the clock. Apart from
 * cards.ts, whose card dependencies compile the rules: esbuild puts a module that a bundle reaches
 * by a static import (even unused) and by an `import()` into the eager part, so this function
 * reaches the rules compiler only through the routes that load it (http/decision-rules-http.ts).
 */
export const decisionRulesDeps = () => ({ ruleSets: decisionRuleSetsFromEnv(), clock: systemClock });
