/**
 * A card account's snapshot item (ports/account-snapshots.ts): its WalletState as tagged JSON
 * (bigints and Maps kept exact), gzipped, in the account's wallet partition under its own sort key.
 * Generic over the state's shape on purpose: a field added to WalletState is kept without a change
 * here, and the round trip is checked field for field (test/unit/adapters/account-snapshot-item.test.ts).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod/mini';
import type { WalletState } from '#domain/wallet.ts';
import { numberAttr } from './attributes.ts';
import { ACCOUNT_SNAPSHOT_SK, walletPk } from './keys.ts';

/** Below DynamoDB's 400 KB item limit, with room for the keys and attributes around it. */
export const ACCOUNT_SNAPSHOT_BYTES_MAX = 350_000;

const BIGINT = '$bigint';
const MAP = '$map';
const SET = '$set';

/** JSON.stringify's replacer: bigint, Map and Set as tagged objects (plain JSON loses them). */
function tag(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return { [BIGINT]: value.toString() };
  if (value instanceof Map) return { [MAP]: [...value.entries()] };
  if (value instanceof Set) return { [SET]: [...value.values()] };
  return value;
}

/** JSON.parse's reviver: the tagged objects back as bigint, Map and Set. */
function untag(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const record = value as Record<string, unknown>;
  if (typeof record[BIGINT] === 'string') return BigInt(record[BIGINT]);
  if (Array.isArray(record[MAP])) return new Map(record[MAP] as [unknown, unknown][]);
  if (Array.isArray(record[SET])) return new Set(record[SET] as unknown[]);
  return value;
}

/** The state as stored bytes (gzipped tagged JSON). */
export const encodeAccountState = (state: WalletState): Uint8Array =>
  gzipSync(Buffer.from(JSON.stringify(state, tag), 'utf8'));

export const decodeAccountState = (bytes: Uint8Array): WalletState =>
  JSON.parse(gunzipSync(bytes).toString('utf8'), untag) as WalletState;

/** The item, or undefined when the encoded state is too large to store (a snapshot is optional). */
export function toAccountSnapshotItem(accountId: string, state: WalletState) {
  const bytes = encodeAccountState(state);
  if (bytes.byteLength > ACCOUNT_SNAPSHOT_BYTES_MAX) return undefined;
  return { pk: walletPk(accountId), sk: ACCOUNT_SNAPSHOT_SK, eventCount: state.version, state: bytes };
}

const itemSchema = z.object({
  eventCount: numberAttr,
  state: z.instanceof(Uint8Array),
});

export function fromAccountSnapshotItem(item: Record<string, unknown>): WalletState {
  const parsed = itemSchema.parse(item);
  const state = decodeAccountState(parsed.state);
  if (state.version !== parsed.eventCount) throw new Error('account snapshot: eventCount and state disagree');
  return state;
}
