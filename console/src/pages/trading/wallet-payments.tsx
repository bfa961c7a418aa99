import { useState } from 'preact/hooks';
import { api, call, errorText } from '../../api.ts';
import { formatMoney, formatPoints, formatTime } from '../../format.ts';

interface PaymentRow {
  paymentId: string;
  purpose: string;
  createdAt: string;
  points: number;
  /** The cash the provider collects (an order's cash part). */
  cash: number;
  /** The order's status (orders) or the payment's (points purchases), as the API reads it now. */
  status: string;
  paymentStatus: string;
}

type Cursors = { payments: string | null | undefined; orders: string | null | undefined };

/** Payments and orders read per list per click. */
const PAGE = '25';

/**
 * A wallet's payments and orders with their state: the API's two listings
 * (`GET /wallets/{id}/payments` and `…/orders`, newest first, each from an index written with the
 * payment's events), a page of each per click, shown together newest first.
 */
export function WalletPayments({ walletId }: { walletId: string }) {
  const [rows, setRows] = useState<PaymentRow[]>([]);
  const [cursors, setCursors] = useState<Cursors>({ payments: undefined, orders: undefined });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const query = (cursor: string | null | undefined) =>
    cursor === undefined || cursor === null ? { limit: PAGE } : { limit: PAGE, cursor };
  const readMore = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      const path = { wallet_id: walletId };
      const [payments, orders] = await Promise.all([
        cursors.payments === null
          ? undefined
          : call(
              api().GET('/wallets/{wallet_id}/payments', {
                params: { path, query: query(cursors.payments) },
              }),
            ),
        cursors.orders === null
          ? undefined
          : call(
              api().GET('/wallets/{wallet_id}/orders', { params: { path, query: query(cursors.orders) } }),
            ),
      ]);
      const found: PaymentRow[] = [
        ...(payments?.payments ?? []).map((line) => ({
          paymentId: line.paymentId,
          purpose: line.purpose,
          createdAt: line.createdAt,
          points: line.points,
          cash: line.amount.amount,
          status: line.status,
          paymentStatus: line.status,
        })),
        ...(orders?.orders ?? []).map((line) => ({
          paymentId: line.paymentId,
          purpose: 'order',
          createdAt: line.createdAt,
          points: line.points,
          cash: line.cash.amount,
          status: line.status,
          paymentStatus: line.paymentStatus,
        })),
      ];
      setRows((previous) =>
        [...previous, ...found].sort((a, b) =>
          a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0,
        ),
      );
      setCursors({
        payments: payments === undefined ? null : payments.nextCursor,
        orders: orders === undefined ? null : orders.nextCursor,
      });
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  const started = cursors.payments !== undefined || cursors.orders !== undefined;
  const more = !started || cursors.payments !== null || cursors.orders !== null;
  return (
    <section aria-labelledby="payments-title">
      <h3 id="payments-title">Payments and orders</h3>
      {rows.length > 0 && (
        <table class="compact payments">
          <caption class="visually-hidden">Payments and orders of {walletId}, newest first</caption>
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
                <td>{formatTime(row.createdAt)}</td>
                <td>{formatPoints(row.points)}</td>
                <td>{formatMoney(row.cash)}</td>
                <td>{row.status}</td>
                <td>{row.paymentStatus}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {started && rows.length === 0 && <p class="hint">No payments or orders.</p>}
      {problem !== undefined && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {more && (
        <button type="button" class="secondary" onClick={() => void readMore()} disabled={busy}>
          {started ? 'More payments and orders' : 'Find payments and orders'}
        </button>
      )}
    </section>
  );
}
