import { useState } from 'preact/hooks';
import { api, call, errorText } from '../../api.ts';
import { formatMoney, formatPoints, formatTime } from '../../format.ts';

interface AuditPage {
  events: {
    eventId: string;
    type: string;
    lane: number;
    recordedAt: string;
    data?: Record<string, unknown>;
  }[];
  nextCursor: string | null;
}

interface PaymentRow {
  paymentId: string;
  purpose: string;
  requestedAt: string;
  points: number;
  amount: string;
  /** The order's status (orders) or the payment's (points purchases), read now. */
  status: string;
  paymentStatus: string;
}

/** Events read per click: the wallet's log is read a page at a time, never whole. */
const PAGE = '200';
/** Payments' states read per page of events found: each is one GET. */
const STATES_MAX = 25;

/**
 * A wallet's payments and orders with their payment state. The API has no per-wallet payment
 * listing, so this reads the wallet's audit trail a page (200 events) at a time — payments are
 * recorded in lane 0, which the trail lists first — and asks each payment found for its state now.
 */
export function WalletPayments({ walletId }: { walletId: string }) {
  const [rows, setRows] = useState<PaymentRow[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const readMore = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      const query = cursor === undefined || cursor === null ? { limit: PAGE } : { limit: PAGE, cursor };
      const page = (await call(
        api().GET('/wallets/{wallet_id}/events', { params: { path: { wallet_id: walletId }, query } }),
      )) as AuditPage;
      const requested = page.events.filter((event) => event.type === 'PaymentRequested');
      const stateOf = async (event: AuditPage['events'][number]): Promise<PaymentRow> => {
        const data = event.data ?? {};
        const paymentId = String(data.paymentId);
        const purpose = String(data.purpose);
        const state: { status: string; paymentStatus?: string } =
          purpose === 'order'
            ? await call(api().GET('/orders/{order_id}', { params: { path: { order_id: paymentId } } }))
            : await call(
                api().GET('/payments/{payment_id}', { params: { path: { payment_id: paymentId } } }),
              );
        return {
          paymentId,
          purpose,
          requestedAt: event.recordedAt,
          points: Number(data.points ?? 0),
          amount: String(data.amount ?? ''),
          status: state.status,
          paymentStatus: state.paymentStatus ?? state.status,
        };
      };
      // Every payment of the page (the cursor moves past all of it), STATES_MAX state reads at a time.
      const found: PaymentRow[] = [];
      for (let start = 0; start < requested.length; start += STATES_MAX) {
        found.push(...(await Promise.all(requested.slice(start, start + STATES_MAX).map(stateOf))));
      }
      setRows((previous) => [...previous, ...found]);
      setCursor(page.nextCursor);
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  const more = cursor === undefined || cursor !== null;
  return (
    <section aria-labelledby="payments-title">
      <h3 id="payments-title">Payments and orders</h3>
      {rows.length > 0 && (
        <table class="compact payments">
          <caption class="visually-hidden">Payments and orders of {walletId}, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Payment</th>
              <th scope="col">What</th>
              <th scope="col">Requested</th>
              <th scope="col">Points</th>
              <th scope="col">Cash</th>
              <th scope="col">Status</th>
              <th scope="col">Payment</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.paymentId} data-payment={row.paymentId}>
                <td class="mono">{row.paymentId.slice(-12)}</td>
                <td>{row.purpose}</td>
                <td>{formatTime(row.requestedAt)}</td>
                <td>{formatPoints(row.points)}</td>
                <td>{formatMoney(row.amount)}</td>
                <td>{row.status}</td>
                <td>{row.paymentStatus}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor !== undefined && rows.length === 0 && (
        <p class="hint">No payments in the events read so far.</p>
      )}
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {more && (
        <button type="button" class="secondary" onClick={() => void readMore()} disabled={busy}>
          {cursor === undefined ? 'Find payments and orders' : 'Look further (next 200 events)'}
        </button>
      )}
    </section>
  );
}
