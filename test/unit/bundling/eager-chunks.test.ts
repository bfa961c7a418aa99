/**
 * A cold start loads one file (lib/constructs/merge-eager-chunks.mjs): the chunks that code
 * splitting shares between `index.mjs` and the lazy chunks are folded into `index.mjs`, and the lazy
 * chunks import those bindings from it, so every module still has one instance and the lazy chunks
 * are still read only when their path runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../../bench/cold/build.ts';
import { functionBundle } from '../../support/function-bundles.ts';

const outRoot = mkdtempSync(path.join(tmpdir(), 'tally-eager-chunks-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

/** Static imports of relative files (`import("./…")`, a lazy path, has a parenthesis before the quote). */
const staticImports = (code: string) =>
  [...code.matchAll(/(?:import|export)\s*(?:\{([^}]*)\}\s*from\s*)?"(\.\/[^"]+)"/g)].map((match) => ({
    names: (match[1] ?? '')
      .split(',')
      .map((part) => part.trim().split(/\s+as\s+/)[0] ?? '')
      .filter((name) => name !== ''),
    file: match[2] as string,
  }));

/** The names a minified module exports (`export{a as b,…}`). */
const exportsOf = (code: string) =>
  [...code.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((match) =>
    (match[1] ?? '').split(',').map((part) =>
      (
        part
          .trim()
          .split(/\s+as\s+/)
          .at(-1) ?? ''
      ).trim(),
    ),
  );

describe('a function bundle', () => {
  it.each([
    'deposit',
    'details',
    'checkpoint-wallets',
    'ingest-queue',
    'accounts',
    'backtest',
    'orders',
    'payments',
  ])(
    '%s: index.mjs imports no chunk, and each lazy chunk imports only what index.mjs or another chunk exports',
    async (name) => {
      const bundle = await functionBundle(name);
      const dir = path.dirname(bundle.file);
      const index = readFileSync(bundle.file, 'utf8');
      expect(staticImports(index)).toEqual([]);
      expect(bundle.bytes).toBe(Buffer.byteLength(index));
      const chunks = readdirSync(dir).filter((file) => file.endsWith('.mjs') && file !== 'index.mjs');
      expect(chunks.length).toBeGreaterThan(0); // the X-Ray tracer at least stays lazy
      const exported = new Map([['./index.mjs', exportsOf(index)]]);
      for (const chunk of chunks)
        exported.set(`./${chunk}`, exportsOf(readFileSync(path.join(dir, chunk), 'utf8')));
      for (const chunk of chunks) {
        for (const { file, names } of staticImports(readFileSync(path.join(dir, chunk), 'utf8'))) {
          expect(existsSync(path.join(dir, file)), `${chunk} imports ${file}`).toBe(true);
          for (const imported of names)
            expect(exported.get(file), `${chunk}: ${imported} from ${file}`).toContain(imported);
        }
      }
    },
    120_000,
  );
});

describe('the merge', () => {
  it('keeps one instance of a module the cold start and a lazy chunk share, and maps back to the sources', async () => {
    const bundle = await buildBundle('eager-fixture', 'test/unit/bundling/fixtures/eager/entry.ts', {
      outRoot,
    });
    const dir = path.dirname(bundle.file);
    const files = readdirSync(dir).filter((file) => file.endsWith('.mjs'));
    // index.mjs with shared.ts folded in, and the lazy chunk.
    expect(files).toHaveLength(2);
    expect(staticImports(readFileSync(bundle.file, 'utf8'))).toEqual([]);
    expect(bundle.lazyBytes).toBeGreaterThan(0);
    const run = (code: string) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).trim();
    const url = JSON.stringify(`file://${bundle.file}`);
    // The lazy path sees what the entry noted: one `seen` array, not a copy per file.
    expect(run(`const m = await import(${url}); console.log(JSON.stringify(await m.handler()));`)).toBe(
      '["entry","lazy"]',
    );
    // The thrown error's line maps, through index.mjs.map, to the fixture's source.
    const stack = run(
      `const m = await import(${url}); try { m.fails(); } catch (e) { console.log(e.stack); }`,
    );
    const at = /index\.mjs:(\d+):(\d+)/.exec(stack);
    expect(at).not.toBeNull();
    const map = new SourceMap(JSON.parse(readFileSync(`${bundle.file}.map`, 'utf8')));
    const entry = map.findEntry(Number(at?.[1]) - 1, Number(at?.[2]) - 1);
    expect('originalSource' in entry ? entry.originalSource : undefined).toMatch(
      /fixtures\/eager\/entry\.ts$/,
    );
  }, 60_000);
});
