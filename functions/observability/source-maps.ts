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

interface Entry {
  originalSource: string;
  originalLine: number;
  originalColumn: number;
}

/**
 * V8's text of the frame, its bundle location replaced by the source's. The function's name stays
 * V8's (the minified one, as Node prints it too when the map gives none).
 */
function frameText(frame: NodeJS.CallSite, inBundle: (file: string) => boolean): string {
  const text = String(frame);
  const file = frame.getFileName();
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if (typeof file !== 'string' || line === null || column === null || !inBundle(file)) return text;
  // Node 20's `findEntry` answers `{}` where nothing maps (later versions `undefined`).
  const entry = mapOf(file)?.findEntry(line - 1, column - 1) as Partial<Entry> | undefined;
  if (typeof entry?.originalSource !== 'string') return text;
  const at = `${entry.originalSource}:${(entry.originalLine ?? 0) + 1}:${(entry.originalColumn ?? 0) + 1}`;
  return text.replace(`${file}:${line}:${column}`, at);
}

/** A stack is formatted whatever a map holds: a frame that cannot be mapped prints as V8 prints it. */
function safely(map: () => string, frame: NodeJS.CallSite): string {
  try {
    return map();
  } catch {
    return String(frame);
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
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = '<error>';
    }
    return (
      header + frames.map((frame) => `\n    at ${safely(() => frameText(frame, inBundle), frame)}`).join('')
    );
  };
  return true;
}
