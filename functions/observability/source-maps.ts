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
 * Frames of other files (Node, the runtime's AWS SDK) print as V8 prints them. The format follows
 * Node's own: `    at name (source:line:column)`, the name from the map when it has one.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Per bundle file (as V8 names it): its map, or null when it has none or it cannot be read. */
const maps = new Map<string, SourceMap | null>();

/** How many maps were read so far (a test checks that loading a bundle reads none). */
export const sourceMapsRead = (): number => maps.size;

function mapOf(fileName: string): SourceMap | null {
  let map = maps.get(fileName);
  if (map === undefined) {
    try {
      const path = fileName.startsWith('file:') ? fileURLToPath(fileName) : fileName;
      const payload = JSON.parse(readFileSync(`${path}.map`, 'utf8')) as { sources?: string[] };
      // As Node prints them: sources resolved against the map's own location, as paths.
      const base = pathToFileURL(`${path}.map`);
      payload.sources = (payload.sources ?? []).map((source) => {
        const url = new URL(source, base);
        return url.protocol === 'file:' ? fileURLToPath(url) : url.href;
      });
      map = new SourceMap(payload as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null;
    }
    maps.set(fileName, map);
  }
  return map;
}

interface Mapped {
  source: string;
  line: number;
  column: number;
  name?: string;
}

interface Entry {
  originalSource: string;
  originalLine: number;
  originalColumn: number;
  name?: string;
}

/** Node 20's `findEntry` answers `{}` where nothing maps (later versions `undefined`). */
function entryAt(map: SourceMap, line: number | null, column: number | null): Entry | undefined {
  if (line === null || column === null) return undefined;
  const entry = map.findEntry(line - 1, column - 1) as Partial<Entry> | undefined;
  return typeof entry?.originalSource === 'string' ? (entry as Entry) : undefined;
}

function mapped(frames: readonly NodeJS.CallSite[], index: number, inBundle: (file: string) => boolean) {
  const frame = frames[index];
  const fileName = frame?.getFileName();
  if (frame === undefined || typeof fileName !== 'string' || !inBundle(fileName)) return undefined;
  const map = mapOf(fileName);
  if (map === null) return undefined;
  const entry = entryAt(map, frame.getLineNumber(), frame.getColumnNumber());
  if (entry === undefined) return undefined;
  // The function's own name: at its definition, else at the call site in its caller (as Node does).
  const enclosing = frame as NodeJS.CallSite & {
    getEnclosingLineNumber?: () => number | null;
    getEnclosingColumnNumber?: () => number | null;
  };
  let name = entryAt(
    map,
    enclosing.getEnclosingLineNumber?.() ?? null,
    enclosing.getEnclosingColumnNumber?.() ?? null,
  )?.name;
  const caller = frames[index + 1];
  if (!name && caller !== undefined && caller.getFileName() === fileName) {
    name = entryAt(map, caller.getLineNumber(), caller.getColumnNumber())?.name;
  }
  const result: Mapped = {
    source: entry.originalSource,
    line: entry.originalLine + 1,
    column: entry.originalColumn + 1,
  };
  if (name) result.name = name;
  return result;
}

function frameText(frame: NodeJS.CallSite, at: Mapped | undefined): string {
  if (at === undefined) return String(frame);
  const location = `${at.source}:${at.line}:${at.column}`;
  const name = at.name ?? frame.getFunctionName() ?? undefined;
  const prefix = frame.isAsync() ? 'async ' : frame.isConstructor() ? 'new ' : '';
  return name ? `${prefix}${name} (${location})` : `${prefix}${location}`;
}

function errorHeader(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

/** Node's own formatter (recent Node versions expose it as `Error.prepareStackTrace`) or none. */
const isNodeDefault = (formatter: unknown): boolean =>
  formatter === undefined || (typeof formatter === 'function' && formatter.name === 'ErrorPrepareStackTrace');

/**
 * Installs the lazy mapping for the bundle file at `moduleUrl` (a module's `import.meta.url`) and
 * its sibling chunks. Does nothing outside a bundle (`.ts` sources under tsx or vitest, which map
 * on their own), when Node already maps (`--enable-source-maps`), or when something else formats
 * stacks already: it never takes over another formatter.
 */
export function installLazySourceMaps(moduleUrl: string): boolean {
  if (!moduleUrl.startsWith('file:') || !moduleUrl.endsWith('.mjs')) return false;
  if (process.sourceMapsEnabled || !isNodeDefault(Error.prepareStackTrace)) return false;
  const directory = dirname(fileURLToPath(moduleUrl));
  const inBundle = (fileName: string): boolean => {
    const path = fileName.startsWith('file:') ? fileURLToPath(fileName) : fileName;
    return path.endsWith('.mjs') && dirname(path) === directory;
  };
  Error.prepareStackTrace = (error, frames) => {
    const lines = frames.map((frame, index) => {
      let at: Mapped | undefined;
      try {
        at = mapped(frames, index, inBundle);
      } catch {
        at = undefined;
      }
      return `\n    at ${frameText(frame, at)}`;
    });
    return `${errorHeader(error)}${lines.join('')}`;
  };
  return true;
}
