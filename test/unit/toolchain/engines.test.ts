import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * Issue 15 §9: `npm ci` warned that a dependency needs Node ≥ 22 while the README says 20+
 * (cookie@2, through fauxqs → fastify → light-my-request; package.json `overrides` pins
 * light-my-request to 6.6.0, which uses cookie@1). Every package the lock installs must accept the
 * oldest Node that package.json's `engines` allows, so no install on a supported Node warns.
 */
const root = new URL('../../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>;
};

describe('the Node versions the project declares', () => {
  const oldest = semver.minVersion(manifest.engines.node);

  it('names a lowest Node version', () => {
    expect(oldest?.version).toMatch(/^20\./);
  });

  it('is accepted by every package the lock installs', () => {
    const refusing = Object.entries(lock.packages).flatMap(([name, entry]) => {
      const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (name === '' || wanted === undefined || entry.optional) return [];
      return semver.satisfies(oldest?.version ?? '0.0.0', wanted) ? [] : [`${name} (node ${wanted})`];
    });
    expect(refusing).toEqual([]);
  });
});
