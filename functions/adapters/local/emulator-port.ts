import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';

/**
 * Ports for DynamoDB Local, which does not accept `-port 0` and is restarted on the same port when
 * it dies (database-watch.ts). Two things went wrong with a port the OS handed out for "any":
 *
 * - It lies in the OS's ephemeral range, so while the emulator was down another program asking
 *   for any free port (another test's emulator, an HTTP server) could be given it. The restart
 *   then failed to bind, and the start-up probe, answered by the other program's emulator, said
 *   "ready": the runtime wrote to somebody else's database. Ports are now chosen below every
 *   common ephemeral range (Linux 32768–60999, macOS and Windows 49152–65535), where nothing is
 *   handed out unasked.
 * - "Answers on the port" was taken to mean "our JVM answers". On Linux `listensOn` now checks that
 *   the listening socket is the JVM's own; elsewhere the check before the launch (`portIsFree`)
 *   is what guards it.
 */
const RANGE_LOW = 20_000;
const RANGE_HIGH = 32_000;
const CHOICES_MAX = 20;

/** Whether nothing listens on `port` on any address (DynamoDB Local binds 0.0.0.0). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A free port below the ephemeral ranges, chosen at random so parallel starts rarely meet. */
export async function emulatorPort(random: () => number = Math.random): Promise<number> {
  for (let choice = 0; choice < CHOICES_MAX; choice++) {
    const port = RANGE_LOW + Math.floor(random() * (RANGE_HIGH - RANGE_LOW));
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port between ${RANGE_LOW} and ${RANGE_HIGH} after ${CHOICES_MAX} tries`);
}

/**
 * Whether process `pid` holds the socket listening on TCP `port`: true or false on Linux (from
 * /proc), undefined where /proc cannot tell (another OS, or a process we may not inspect).
 */
export async function listensOn(pid: number, port: number): Promise<boolean | undefined> {
  const inodes = new Set<string>();
  try {
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      const text = await readFile(table, 'utf8').catch(() => '');
      for (const line of text.split('\n').slice(1)) {
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
        const fields = line.trim().split(/\s+/);
        const local = fields[1];
        const inode = fields[9];
        if (local === undefined || inode === undefined || fields[3] !== '0A') continue; // 0A: LISTEN
        if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(inode);
      }
    }
    if (inodes.size === 0) return undefined;
    const dir = `/proc/${pid}/fd`;
    for (const fd of await readdir(dir)) {
      const target = await readlink(`${dir}/${fd}`).catch(() => '');
      if (inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '')) return true;
    }
    return false;
  } catch {
    return undefined;
  }
}
