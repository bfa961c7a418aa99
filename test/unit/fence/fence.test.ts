import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IFlattenedRuleSet } from 'dependency-cruiser';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The fence (.dependency-cruiser.cjs, run by `npm run lint`) must catch a violation however deep it
 * is planted. The fixture is a small tree shaped like ours (domain, ports, app, adapters, handlers,
 * composition, the local host, lib/wiring.ts, with `#` import aliases); each case copies it, plants one file deep in a subfolder, and cruises it
 * in-process with the project's own rules.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const fixture = join(root, 'test', 'fixtures', 'fence');
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as {
  forbidden: IFlattenedRuleSet['forbidden'];
  options: { enhancedResolveOptions: Record<string, unknown>; tsPreCompilationDeps: boolean };
};

const trees: string[] = [];
afterEach(() => {
  for (const tree of trees.splice(0)) rmSync(tree, { recursive: true, force: true });
});

async function violationsOf(plant?: { template: string; at: string }): Promise<string[]> {
  const tree = mkdtempSync(join(tmpdir(), 'tally-fence-'));
  trees.push(tree);
  cpSync(join(fixture, 'functions'), join(tree, 'functions'), { recursive: true });
  cpSync(join(fixture, 'lib'), join(tree, 'lib'), { recursive: true });
  cpSync(join(fixture, 'package.json'), join(tree, 'package.json'));
  if (plant !== undefined) {
    mkdirSync(dirname(join(tree, plant.at)), { recursive: true });
    cpSync(join(fixture, 'planted', plant.template), join(tree, plant.at));
  }
  if (plant?.template === 'cycle-a.ts') {
    cpSync(join(fixture, 'planted', 'cycle-b.ts'), join(dirname(join(tree, plant.at)), 'b.ts'));
  }
  const previous = process.cwd();
  process.chdir(tree);
  try {
    const { output } = await cruise(
      ['functions', 'lib'],
      {
        validate: true,
        ruleSet: { forbidden: config.forbidden },
        tsPreCompilationDeps: config.options.tsPreCompilationDeps,
        enhancedResolveOptions: config.options.enhancedResolveOptions,
      },
      {},
    );
    const result = output as ICruiseResult;
    return result.summary.violations.map((violation) => `${violation.rule.name}: ${violation.from}`);
  } finally {
    process.chdir(previous);
  }
}

describe('the fence', () => {
  it('passes a tree that keeps every arrow pointing inwards', async () => {
    expect(await violationsOf()).toEqual([]);
  });

  it('catches the domain importing an adapter through an alias, four folders deep', async () => {
    const at = 'functions/domain/wallet/deep/planted.ts';
    expect(await violationsOf({ template: 'domain-to-adapter.ts', at })).toContain(
      `pure-core-inward-only: ${at}`,
    );
  });

  it('catches the domain doing Node I/O', async () => {
    const at = 'functions/domain/wallet/planted.ts';
    expect(await violationsOf({ template: 'domain-node-io.ts', at })).toContain(
      `pure-core-no-node-io: ${at}`,
    );
  });

  it('catches a use case importing an adapter by a relative path', async () => {
    const at = 'functions/app/queries/deep/planted.ts';
    expect(await violationsOf({ template: 'app-to-adapter.ts', at })).toEqual([`app-no-edges: ${at}`]);
  });

  it('lets the composition root and the table layout read the wiring table', async () => {
    const violations = await violationsOf();
    expect(violations.filter((line) => line.startsWith('wiring-read-by-roots:'))).toEqual([]);
  });

  it('catches an adapter reading the wiring table, three folders deep', async () => {
    const at = 'functions/adapters/sqs/deep/planted.ts';
    expect(await violationsOf({ template: 'adapter-to-wiring.ts', at })).toEqual([
      `wiring-read-by-roots: ${at}`,
    ]);
  });

  it('lets the local host read the wiring table and run the handlers through the composition root', async () => {
    const violations = await violationsOf();
    expect(violations.filter((line) => line.includes('functions/local/'))).toEqual([]);
  });

  it('catches an adapter under adapters/local importing the composition root: no folder of adapters is exempt', async () => {
    const at = 'functions/adapters/local/deep/planted.ts';
    expect(await violationsOf({ template: 'adapter-to-composition.ts', at })).toEqual([
      `adapters-not-up: ${at}`,
    ]);
  });

  it('catches an adapter under adapters/local reading the wiring table', async () => {
    const at = 'functions/adapters/local/planted.ts';
    expect(await violationsOf({ template: 'adapter-to-wiring.ts', at })).toEqual([
      `wiring-read-by-roots: ${at}`,
    ]);
  });

  it('catches the composition root importing the local host', async () => {
    const at = 'functions/composition/deep/planted.ts';
    expect(await violationsOf({ template: 'to-local-host.ts', at })).toContain(`local-host-on-top: ${at}`);
  });

  it('catches observability importing the composition root', async () => {
    const at = 'functions/observability/planted.ts';
    expect(await violationsOf({ template: 'adapter-to-composition.ts', at })).toEqual([
      `observability-below-edges: ${at}`,
    ]);
  });

  it('catches an import cycle', async () => {
    const at = 'functions/domain/wallet/a.ts';
    const violations = await violationsOf({ template: 'cycle-a.ts', at });
    expect(violations.filter((line) => line.startsWith('no-circular:')).length).toBeGreaterThan(0);
  });
});
