import type { AwardRange, CorrectionLink, ReadIndexes } from '#ports/read-indexes.ts';
import type { IndexChange } from '#ports/trading-index.ts';

/**
 * The read indexes in memory, with the DynamoDB adapter's semantics (adapters/dynamodb/read-indexes.ts):
 * award ranges by lane and last version, correction links by target then correction version, and
 * the marker of a wallet begun with the indexes. The in-memory event store applies an append's
 * changes with its events.
 */
export class InMemoryReadIndexes implements ReadIndexes {
  private readonly marked = new Set<string>();
  private readonly ranges = new Map<string, AwardRange[]>();
  private readonly links = new Map<string, CorrectionLink[]>();

  apply(changes: readonly IndexChange[]): void {
    for (const change of changes) {
      if (change.kind === 'indexed') this.marked.add(change.walletId);
      else if (change.kind === 'awards') {
        const key = `${change.walletId}|${change.range.lane}`;
        const list = (this.ranges.get(key) ?? []).filter(
          (range) => range.toVersion !== change.range.toVersion,
        );
        list.push(structuredClone(change.range));
        list.sort((a, b) => a.toVersion - b.toVersion);
        this.ranges.set(key, list);
      } else if (change.kind === 'correction') {
        const list = this.links.get(change.walletId) ?? [];
        list.push({ ...change.link, target: { ...change.link.target } });
        this.links.set(change.walletId, list);
      }
    }
  }

  async indexed(walletId: string): Promise<boolean> {
    return this.marked.has(walletId);
  }

  async awardRanges(
    walletId: string,
    lane: number,
    fromVersion: number,
    limit: number,
  ): Promise<AwardRange[]> {
    return (this.ranges.get(`${walletId}|${lane}`) ?? [])
      .filter((range) => range.toVersion >= fromVersion)
      .slice(0, limit)
      .map((range) => structuredClone(range));
  }

  async correctionsOf(
    walletId: string,
    lane: number,
    fromVersion: number,
    toVersion: number,
  ): Promise<CorrectionLink[]> {
    return (this.links.get(walletId) ?? [])
      .filter(
        (link) =>
          link.target.lane === lane && link.target.version >= fromVersion && link.target.version <= toVersion,
      )
      .sort((a, b) => a.target.version - b.target.version || a.correctionVersion - b.correctionVersion)
      .map((link) => ({ ...link, target: { ...link.target } }));
  }
}
