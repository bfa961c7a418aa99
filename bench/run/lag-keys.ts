/**
 * How the lag benches follow one deposit from its 201 to the projector: by the event's place in the
 * log (`pk|sk`), which both the deposit's answer and the stream record name. Shared by the bench's
 * wallet path (run/wallet-path.ts) and the lag profiles (prof/lag-prof.ts, prof/lag-phases.ts).
 */
import { eventSk, walletPk } from '#adapters/dynamodb/table-layout/keys.ts';

interface KeyedRecord {
  dynamodb?: { Keys?: { pk?: { S?: string }; sk?: { S?: string } } };
}

/** A stream record's event key. */
export const recordKey = (record: KeyedRecord): string =>
  `${record.dynamodb?.Keys?.pk?.S}|${record.dynamodb?.Keys?.sk?.S}`;

/** `POST /deposit` on a local runtime; the recorded event's key (throws unless 201). */
export async function depositKey(baseUrl: string, walletId: string, amount: string): Promise<string> {
  const response = await fetch(`${baseUrl}/deposit`, {
    method: 'POST',
    body: `{"WalletID":"${walletId}","Amount":${amount}}`,
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`deposit answered ${response.status}: ${text}`);
  const recorded = JSON.parse(text) as { Lane: number; Version: number };
  return `${walletPk(walletId)}|${eventSk(recorded.Lane, recorded.Version)}`;
}
