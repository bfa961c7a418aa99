import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorPort, listensOn, portIsFree } from '#adapters/local/emulator-port.ts';

const servers: Server[] = [];
const listen = (port = 0): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer();
    servers.push(server);
    server.listen(port, '0.0.0.0', () => resolve((server.address() as { port: number }).port));
  });

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('ports for DynamoDB Local', () => {
  it('chooses free ports below the ephemeral ranges', async () => {
    for (const random of [0, 0.5, 0.999]) {
      const port = await emulatorPort(() => random);
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(32_000);
    }
  });

  it('skips a port something already listens on', async () => {
    const taken = await listen(await emulatorPort(() => 0.25));
    expect(await portIsFree(taken)).toBe(false);
    let calls = 0;
    // The first choice is the taken port, the second is 1 above it.
    const chosen = await emulatorPort(() => (calls++ === 0 ? 0.25 : 0.25 + 1.5 / 12_000));
    expect(chosen).toBe(taken + 1);
  });

  it.runIf(process.platform === 'linux')('tells our listener from another process’s on Linux', async () => {
    const ours = await listen();
    expect(await listensOn(process.pid, ours)).toBe(true);
    const other = spawn(
      process.execPath,
      [
        '-e',
        "require('net').createServer().listen(0,'0.0.0.0',function(){console.log(this.address().port)})",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const theirs = await new Promise<number>((resolve) =>
        other.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
      );
      expect(await listensOn(process.pid, theirs)).toBe(false);
      expect(await listensOn(other.pid ?? -1, theirs)).toBe(true);
    } finally {
      other.kill();
    }
  });
});
