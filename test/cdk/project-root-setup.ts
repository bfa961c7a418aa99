import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { FUNCTIONS } from '../../lib/wiring.ts';

/**
 * The cdk project's global setup: one throwaway project root for the run (`inject('cdkProjectRoot')`,
 * test/cdk/support.ts), removed when the run ends. Bundling is skipped in these tests, but
 * NodejsFunction still checks that each entry file exists: the root holds a stub entry per function,
 * which keeps the tests independent of functions/.
 */
export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(path.join(tmpdir(), 'tally-cdk-test-'));
  writeFileSync(path.join(root, 'package-lock.json'), '{}\n');
  // The publisher with an MSK topic ships the producer's packages (nodeModules), and the payment
  // functions of a Stripe stack ship `stripe`: CDK finds their versions here.
  writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({
      name: 'tally-cdk-test',
      dependencies: { kafkajs: '2.2.4', 'aws-msk-iam-sasl-signer-js': '1.0.3', stripe: '23.1.0' },
    }),
  );
  for (const spec of FUNCTIONS) {
    const entry = path.join(root, spec.entry);
    mkdirSync(path.dirname(entry), { recursive: true });
    writeFileSync(entry, 'export const handler = async () => undefined;\n');
  }
  project.provide('cdkProjectRoot', root);
  return () => rmSync(root, { recursive: true, force: true });
}
