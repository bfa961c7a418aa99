/**
 * Stack traces of a deployed bundle, mapped back to the TypeScript sources — with the maps read
 * only when a stack is first formatted, not at every cold start.
 *
 * `NODE_OPTIONS=--enable-source-maps` maps stacks too, but Node then reads and parses the `.map` of
 * every bundle file as it loads (about 1 MB of JSON for a 145 KB function) and walks the bundle's
 * text for its line lengths: measured here, 7–14 ms of CPU per cold start, most of what a function
 * costs over the bench:cold baseline. Nothing needs a map until an error's stack is written out (a
 * logged failure), so the stack stops setting the flag (lib/constructs/tally-function.ts) and each
 * function installs this instead: a V8 `Error.prepareStackTrace` that maps the frames of the
 * bundle's own files through `node:module`'s `SourceMap`, loading a file's map on its first frame.
 * Frames of other files (Node, the runtime's AWS SDK) print as V8 prints them; a bundle frame is V8's
 * text with the source's `path:line:column` for the bundle's.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Per bundle file (as V8 names it): its map, or null when it has none or it cannot be read. */
const maps = new Map<string, SourceMap | null>();

/** How many maps were read so far (a test checks that loading a bundle reads none). */
export const sourceMapsRead = (): number => maps.size;

function mapOf(fileUrl: string): SourceMap | null {
  let map = maps.get(fileUrl);
  if (map === undefined) {
    try {
      const mapUrl = new URL(`${fileUrl}.map`);
      const payload = JSON.parse(readFileSync(mapUrl, 'utf8')) as { sources: string[] };
      // As Node prints them: sources resolved against the map's own location, as paths. A source
      // that is no file (esbuild's virtual modules: `require-runtime-module:@aws-sdk/lib-dynamodb`, in every
      // function's map) stays as named; converting it threw, and no stack of any function was mapped.
      payload.sources = payload.sources.map((source) => {
        const url = new URL(source, mapUrl);
        return url.protocol === 'file:' ? fileURLToPath(url) : source;
      });
      map = new SourceMap(payload as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null;
    }
    maps.set(fileUrl, map);
  }
  return map;
}

/**
 * V8's text of a frame, a bundle location in it replaced by the source's. The function's name stays
 * V8's (the minified one, as Node prints it too when the map gives none). Anything unexpected (no
 * map, a map that does not cover the position) leaves V8's text.
 */
function frameText(frame: NodeJS.CallSite, bundleDirectory: string): string {
  const text = String(frame);
  try {
    const file = frame.getFileName() ?? '';
    const line = frame.getLineNumber() ?? 0;
    const column = frame.getColumnNumber() ?? 0;
    if (!file.startsWith(bundleDirectory) || !file.endsWith('.mjs')) return text;
    // Node 20's `findEntry` answers `{}` where nothing maps (later versions `undefined`).
    const entry = mapOf(file)?.findEntry(line - 1, column - 1) as
      | { originalSource?: string; originalLine: number; originalColumn: number }
      | undefined;
    if (entry?.originalSource === undefined) return text;
    const at = `${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    return text.replace(`${file}:${line}:${column}`, at);
  } catch {
    return text;
  }
}

/** Node's own formatter (recent Node versions expose it as `Error.prepareStackTrace`) or none. */
const isNodeDefault = (formatter: unknown): boolean =>
  formatter === undefined || (formatter as { name?: string }).name === 'ErrorPrepareStackTrace';

/**
 * Installs the lazy mapping for the bundle file at `moduleUrl` (a module's `import.meta.url`) and
 * its sibling chunks (ESM frames name their files by URL). Does nothing outside a bundle (`.ts`
 * sources under tsx or vitest, which map on their own), or when something else formats stacks
 * already.
 */
export function installLazySourceMaps(moduleUrl: string): boolean {
  if (!moduleUrl.startsWith('file:') || !moduleUrl.endsWith('.mjs')) return false;
  // Not skipped under `--enable-source-maps`: the bundles link no map (lib/constructs/bundling.ts:
  // `sourcemap: 'external'`), so Node's own mapping would leave their frames as they are.
  if (!isNodeDefault(Error.prepareStackTrace)) return false;
  const bundleDirectory = new URL('.', moduleUrl).href;
  Error.prepareStackTrace = (error, frames) =>
    Error.prototype.toString.call(error) +
    frames.map((frame) => `\n    at ${frameText(frame, bundleDirectory)}`).join('');
  return true;
}
