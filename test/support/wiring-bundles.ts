import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';
import { type BuiltBundle, buildBundle } from '../../bench/cold/build.ts';
import { FUNCTIONS } from '../../lib/wiring.ts';

/**
 * The wiring functions' bundles as the stack builds them (bench/cold/build.ts), each built once
 * per test file in a temporary directory removed after it: `bundle(name)`.
 */
export function wiringBundles(prefix: string): (name: string) => Promise<BuiltBundle> {
  const outRoot = mkdtempSync(path.join(tmpdir(), prefix));
  afterAll(() => rmSync(outRoot, { recursive: true, force: true }));
  const built = new Map<string, Promise<BuiltBundle>>();
  return (name) => {
    const spec = FUNCTIONS.find((candidate) => candidate.name === name);
    if (spec === undefined) throw new Error(`no wiring function ${name}`);
    let found = built.get(name);
    if (found === undefined) {
      found = buildBundle(name, spec.entry, { outRoot });
      built.set(name, found);
    }
    return found;
  };
}
