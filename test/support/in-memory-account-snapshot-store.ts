import {
  decodeAccountState,
  encodeAccountState,
} from '#adapters/dynamodb/table-layout/account-snapshot-item.ts';
import type { WalletState } from '#domain/wallet.ts';
import type { AccountSnapshotStore } from '#ports/account-snapshots.ts';

/**
 * An in-memory AccountSnapshotStore with the DynamoDB adapter's semantics (the fuller snapshot
 * stays), keeping each snapshot as the adapter's encoded bytes: what a cold instance reads back
 * went through the same encoding as a stored one.
 */
export class InMemoryAccountSnapshotStore implements AccountSnapshotStore {
  private readonly stored = new Map<string, { version: number; bytes: Uint8Array }>();
  /** The versions put, per account, in order (test access). */
  readonly puts: { accountId: string; version: number }[] = [];
  latestCalls = 0;

  async latest(accountId: string): Promise<WalletState | undefined> {
    this.latestCalls++;
    const held = this.stored.get(accountId);
    return held === undefined ? undefined : decodeAccountState(held.bytes);
  }

  async put(accountId: string, state: WalletState): Promise<void> {
    this.puts.push({ accountId, version: state.version });
    const held = this.stored.get(accountId);
    if (held !== undefined && held.version >= state.version) return;
    this.stored.set(accountId, { version: state.version, bytes: encodeAccountState(state) });
  }

  /** Test access: the version of the account's stored snapshot. */
  versionOf(accountId: string): number | undefined {
    return this.stored.get(accountId)?.version;
  }
}
